//! `thread/compact/start`: a compaction turn asks the model for a summary of the thread, then the
//! model history is replaced by the user's messages and that summary (PROTOCOL.md §4.11, §7.7, §8.6).

use super::turn_lifecycle::{ended, new_turn};
use super::{LoadedThread, TurnKind};
use crate::engine::outbox::Responder;
use crate::ids;
use crate::model::compaction;
use crate::protocol::error;
use crate::protocol::item::{ItemDetails, ThreadItem};
use crate::protocol::thread::{EmptyResponse, ThreadStatus, TokenUsageBreakdown};
use crate::protocol::turn::{TurnItemsView, TurnStatus};
use crate::store::HistoryRecord;

impl LoadedThread {
    /// Handles `thread/compact/start`: answers `{}`, then runs the compaction turn. A running
    /// regular turn is interrupted first, as upstream's task switch does; a running compaction
    /// is not started twice.
    pub(super) async fn compact(&mut self, responder: Responder) {
        if self.active.as_ref().is_some_and(|active| matches!(active.kind, TurnKind::Compaction { .. })) {
            return responder.err(error::thread_compacting(&self.stored.thread.id));
        }
        let user_agent = responder.outbox.session().map(|session| session.user_agent.clone()).unwrap_or_default();
        responder.ok(EmptyResponse {});
        if let Some((turn, _saved)) = self.abort_active().await {
            // A store failure while saving the interrupted turn cannot be answered to anyone now;
            // the turn still ends for its clients.
            self.finish_interrupted(turn);
        }
        let now_ms = self.shared.now_ms();
        let item = ThreadItem {
            id: ids::new_id(now_ms),
            details: ItemDetails::ContextCompaction {},
            started_at_ms: Some(now_ms),
            completed_at_ms: None,
        };
        let kind = TurnKind::Compaction { item: item.clone(), summary: String::new() };
        let active = self.begin_turn(new_turn(ids::new_id(now_ms)), kind, user_agent);
        self.emit_item_started(&active, &item);
        self.active = Some(active);
        self.request_model();
    }

    /// Ends a compaction turn whose model response completed: swap in the compacted history,
    /// persist it, then the context size estimate, the item, `idle` and `turn/completed`.
    pub(super) async fn complete_compaction(&mut self) {
        let Some(mut active) = self.active.take() else { return };
        let TurnKind::Compaction { item, summary } = &active.kind else {
            self.active = Some(active);
            return;
        };
        let (item, summary) = (item.clone(), summary.clone());
        let now_ms = self.shared.now_ms();
        let compacted = compaction::compacted_history(&self.history, &summary, &ids::new_id(now_ms));
        // As 0.169 does, the last usage now reports the estimated size of the new context.
        self.usage.last =
            TokenUsageBreakdown { total_tokens: compaction::estimate_tokens(&compacted), ..Default::default() };
        self.emit_usage(&active.turn.id);
        self.emit_item_completed(&mut active, item);
        let full = ended(&mut active, TurnStatus::Completed, now_ms);
        if let Err(error) = self.persist(HistoryRecord::Compacted { items: compacted.clone() }, &full, now_ms).await {
            return self.finish_failed(active, error).await;
        }
        self.history = compacted;
        self.turns.push(full);
        self.set_status(ThreadStatus::Idle);
        let mut turn = active.turn;
        turn.items = Vec::new();
        turn.items_view = TurnItemsView::NotLoaded;
        self.emit_turn_completed(turn);
    }
}
