//! Dispatch: when the thread is idle, the head of its queue is claimed in the store and started
//! exactly as `turn/start` would start it (PROTOCOL.md §6.1); `thread/queue/start` (a Spindle
//! extension) starts a chosen row the same way; `thread/resume` recovers rows a restart left
//! mid-dispatch.
//!
//! A claimed row is `dispatching` (invisible) until its turn is saved and its `turn/started` has
//! been sent, then removed by that turn id. All of it happens in one actor step, so a row still
//! `dispatching` when the thread is resumed was left by a process that stopped in between: failed
//! if its turn was never saved, removed if it was (the turn then reads back as interrupted).

use std::sync::Arc;

use super::LoadedThread;
use super::queue::queue_failure;
use super::turn_lifecycle::new_turn;
use crate::engine::outbox::{Outbox, Responder};
use crate::engine::turn_params::{self, CheckedTurnStart};
use crate::protocol::error;
use crate::protocol::queue::ThreadQueueStartResponse;
use crate::protocol::turn::TurnStartParams;
use crate::store::queue_store::ClaimOutcome;
use crate::store::{QueuedTurnRow, QueuedTurnState};

impl LoadedThread {
    /// Claims the head and starts it, if the thread is idle and the head is pending. A failed
    /// head blocks the queue; a store that fails leaves the queue as it is until the next chance.
    pub(super) async fn drain_queue(&mut self) {
        if self.stored.thread.ephemeral || self.active.is_some() {
            return;
        }
        let now_ms = self.shared.now_ms();
        let claimed = self.shared.queue_store.claim_head(self.stored.thread.id.clone(), now_ms).await;
        let Ok(ClaimOutcome::Claimed { row }) = claimed else { return };
        // The claimed row has left the visible queue; clients hear that before its turn starts.
        self.queue_changed(None).await;
        self.start_queued(row, None).await;
    }

    /// After `thread/resume`: rows left `dispatching` by a restart become failed, the visible
    /// queue is sent again if there is one, and the queue drains.
    pub(super) async fn resume_queue(&mut self) {
        if self.stored.thread.ephemeral {
            return;
        }
        let thread_id = self.stored.thread.id.clone();
        if let Some(last) = self.turns.last() {
            // A row is dispatching only while its turn starts, so a process that stopped after
            // saving that turn (the thread's latest) left its row behind: the row has become the
            // turn, which reads back as interrupted. Removing it keeps its input from running twice.
            let _ = self.shared.queue_store.remove_dispatched(thread_id.clone(), last.id.clone()).await;
        }
        let now_ms = self.shared.now_ms();
        let failure = queue_failure(error::QUEUED_TURN_INTERRUPTED_BY_RESTART.into());
        let recovered = self.shared.queue_store.recover_dispatching(thread_id, failure, now_ms).await;
        let queued = self.visible_queue().await.is_ok_and(|rows| !rows.is_empty());
        if recovered.is_ok_and(|count| count > 0) || queued {
            self.queue_changed(None).await;
        }
        self.drain_queue().await;
    }

    /// `thread/queue/start`: starts that visible row (or the head) now, pending or failed, ahead
    /// of the rows before it; answers `{turn}` as `turn/start` does.
    pub(super) async fn queue_start(&mut self, queued_turn_id: Option<String>, responder: Responder) {
        let rows = match self.visible_queue().await {
            Ok(rows) => rows,
            Err(error) => return responder.err(error::store_failed("read queued turns", error)),
        };
        let target = match &queued_turn_id {
            Some(id) => rows.iter().find(|row| &row.queued_turn_id == id),
            None => rows.first(),
        };
        let Some(target) = target.cloned() else {
            return responder.err(match queued_turn_id {
                Some(id) => error::queued_turn_not_found(&id),
                None => error::no_queued_turn_to_start(),
            });
        };
        if let Some(active) = &self.active {
            let thread_id = &self.stored.thread.id;
            return responder.err(error::queue_start_while_active(&target.queued_turn_id, thread_id, &active.turn.id));
        }
        match self.claim_row(&target, &rows).await {
            Ok(row) => self.start_queued(row, Some(responder)).await,
            Err(error) => responder.err(error),
        }
    }

    /// Claims `target` through the store's one atomic claim: a failed row is made pending again
    /// with its own params and the row is moved to the head first. The actor runs nothing else
    /// meanwhile, so no dispatch of this thread comes between.
    async fn claim_row(
        &self,
        target: &QueuedTurnRow,
        rows: &[QueuedTurnRow],
    ) -> Result<QueuedTurnRow, crate::protocol::jsonrpc::RpcError> {
        let store = &self.shared.queue_store;
        let thread_id = self.stored.thread.id.clone();
        let id = target.queued_turn_id.clone();
        let gone = || error::queued_turn_not_found(&id);
        let failed = |error| error::store_failed("start queued turn", error);
        let now_ms = self.shared.now_ms();
        if target.state == QueuedTurnState::Failed {
            let params = target.turn_start_params.clone();
            store
                .update_queued_turn(thread_id.clone(), id.clone(), params, now_ms)
                .await
                .map_err(failed)?
                .ok_or_else(gone)?;
        }
        if rows.first().map(|head| &head.queued_turn_id) != Some(&id) {
            let order = std::iter::once(id.clone())
                .chain(rows.iter().map(|row| row.queued_turn_id.clone()).filter(|other| *other != id))
                .collect();
            store.reorder(thread_id.clone(), order, now_ms).await.map_err(failed)?.ok_or_else(gone)?;
        }
        match store.claim_head(thread_id.clone(), now_ms).await.map_err(failed)? {
            ClaimOutcome::Claimed { row } if row.queued_turn_id == id => Ok(row),
            ClaimOutcome::Busy => Err(error::queue_start_while_dispatching(&thread_id)),
            _ => Err(gone()),
        }
    }

    /// Starts a claimed row's turn exactly as `turn/start` would. `responder` is the
    /// `thread/queue/start` request, answered first; without one the turn belongs to no request.
    /// A row whose params cannot be read or would be refused becomes failed, which blocks the queue.
    async fn start_queued(&mut self, row: QueuedTurnRow, responder: Option<Responder>) {
        let (params, turn_id) = match self.prepare_queued(&row) {
            Ok(prepared) => prepared,
            Err(message) => return self.fail_queued(&row, message, responder).await,
        };
        let now_ms = self.shared.now_ms();
        let store = self.shared.queue_store.clone();
        if let Err(error) = store.set_dispatch_turn_id(row.queued_turn_id.clone(), turn_id.clone(), now_ms).await {
            let message = error::store_failed("record queued turn dispatch", error).message;
            return self.fail_queued(&row, error::queued_turn_could_not_start(&message), responder).await;
        }
        let turn = new_turn(turn_id.clone());
        let owner = responder.as_ref().map(|responder| responder.outbox.clone());
        let user_agent = self.dispatch_user_agent(owner.as_ref());
        let starting = self.prepare_turn(turn.clone(), params, user_agent, owner);
        if let Err(error) = self.save_started(&starting.active).await {
            return self.fail_queued(&row, error::queued_turn_could_not_start(&error.message), responder).await;
        }
        if let Some(responder) = responder {
            let requester = responder.outbox.clone();
            responder.ok(ThreadQueueStartResponse { turn });
            self.queue_changed(Some(&requester)).await;
        }
        self.launch_turn(starting).await;
        // `turn/started` is out: the row has become that turn. A store that fails here leaves it
        // dispatching; the next resume sees the turn saved and removes the row then.
        let _ = store.remove_dispatched(self.stored.thread.id.clone(), turn_id).await;
    }

    /// The params and turn id a queued turn starts with, or the failure message of its row.
    fn prepare_queued(&self, row: &QueuedTurnRow) -> Result<(TurnStartParams, String), String> {
        let params = turn_params::read(&row.turn_start_params).map_err(error::queued_turn_unreadable)?;
        let could_not_start =
            |error: crate::protocol::jsonrpc::RpcError| error::queued_turn_could_not_start(&error.message);
        let CheckedTurnStart { params, turn_id, .. } =
            turn_params::check_queued(&self.stored.thread.id, params).map_err(could_not_start)?;
        let turn_id = self.new_turn_id(turn_id).map_err(could_not_start)?;
        Ok((params, turn_id))
    }

    /// Marks a claimed row failed with `message`, answers a `thread/queue/start` with the same
    /// text, and announces the queue, whose head is now that failed row.
    async fn fail_queued(&mut self, row: &QueuedTurnRow, message: String, responder: Option<Responder>) {
        let now_ms = self.shared.now_ms();
        let failure = queue_failure(message.clone());
        // If even this write fails the row stays dispatching; the next resume surfaces it.
        let _ = self.shared.queue_store.mark_failed(row.queued_turn_id.clone(), failure, now_ms).await;
        let requester = responder.map(|responder| {
            let requester = responder.outbox.clone();
            responder.err(error::invalid_request(message));
            requester
        });
        self.queue_changed(requester.as_ref()).await;
    }

    /// The user agent a queued turn sends to the model: its requester's, else that of the
    /// connection that would be asked to run its host tools (the first subscriber).
    fn dispatch_user_agent(&self, owner: Option<&Arc<Outbox>>) -> String {
        owner
            .into_iter()
            .chain(self.subscribers.iter().filter(|outbox| !outbox.is_closed()))
            .find_map(|outbox| outbox.session().map(|session| session.user_agent.clone()))
            .unwrap_or_default()
    }
}
