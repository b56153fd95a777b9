//! The thread's side of `thread/queue/*` (PROTOCOL.md §6.1; `update` and `start` are Spindle
//! extensions): each request changes the queue store, answers, announces the visible queue with
//! `thread/queue/changed`, then lets the queue run its head if the thread is idle.
//!
//! The actor owns the thread's queue the way it owns its turns: every queue request and every
//! dispatch runs as one of its commands, so adds are ordered as they were accepted and no two
//! dispatches of one thread ever race.

use std::sync::Arc;

use serde_json::Value;

use super::LoadedThread;
use crate::engine::outbox::{Outbox, Responder, broadcast, with_requester};
use crate::ids;
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::queue::{
    QueuedTurn, QueuedTurnStatus, ThreadQueueAddResponse, ThreadQueueChangedNotification, ThreadQueueDeleteResponse,
    ThreadQueueListResponse, ThreadQueueReorderResponse, ThreadQueueUpdateResponse,
};
use crate::protocol::turn::TurnError;
use crate::store::{QueuedTurnRow, QueuedTurnState, StoreError};

/// The most rows one store read returns while the whole visible queue is gathered.
const PAGE: u32 = 100;

/// A `thread/queue/*` request whose params the handler has checked.
pub(crate) enum QueueRequest {
    /// `thread/queue/add`: the client's params verbatim and their caller turn id, canonical.
    Add { turn_start_params: Value, turn_id: Option<String> },
    /// `thread/queue/list`: a page of the visible queue.
    List { offset: u32, limit: u32 },
    /// `thread/queue/delete`.
    Delete { queued_turn_id: String },
    /// `thread/queue/reorder`.
    Reorder { queued_turn_ids: Vec<String> },
    /// `thread/queue/update`: new params verbatim and their caller turn id, canonical.
    Update { queued_turn_id: String, turn_start_params: Value, turn_id: Option<String> },
    /// `thread/queue/start`: that queued turn, or the head.
    Start { queued_turn_id: Option<String> },
}

impl LoadedThread {
    /// Handles a `thread/queue/*` request. Ephemeral threads never touch the queue store.
    pub(super) async fn queue_request(&mut self, request: QueueRequest, responder: Responder) {
        if self.stored.thread.ephemeral {
            return responder.err(error::ephemeral_queue(&self.stored.thread.id));
        }
        match request {
            QueueRequest::Add { turn_start_params, turn_id } => {
                self.queue_add(turn_start_params, turn_id, responder).await
            }
            QueueRequest::List { offset, limit } => self.queue_list(offset, limit, responder).await,
            QueueRequest::Delete { queued_turn_id } => self.queue_delete(queued_turn_id, responder).await,
            QueueRequest::Reorder { queued_turn_ids } => self.queue_reorder(queued_turn_ids, responder).await,
            QueueRequest::Update { queued_turn_id, turn_start_params, turn_id } => {
                self.queue_update(queued_turn_id, turn_start_params, turn_id, responder).await
            }
            QueueRequest::Start { queued_turn_id } => self.queue_start(queued_turn_id, responder).await,
        }
    }

    /// `thread/queue/add`: append, answer, announce, drain.
    async fn queue_add(&mut self, turn_start_params: Value, turn_id: Option<String>, responder: Responder) {
        if let Err(error) = self.check_queued_turn_id(turn_id.as_deref(), None).await {
            return responder.err(error);
        }
        let now_ms = self.shared.now_ms();
        let appended = self
            .shared
            .queue_store
            .append(ids::new_id(now_ms), self.stored.thread.id.clone(), turn_start_params, now_ms)
            .await;
        let row = match appended {
            Ok(row) => row,
            Err(error) => return responder.err(error::store_failed("add queued turn", error)),
        };
        let requester = responder.outbox.clone();
        responder.ok(ThreadQueueAddResponse { queued_turn: queued_turn(&row) });
        self.queue_changed(Some(&requester)).await;
        self.drain_queue().await;
    }

    /// `thread/queue/list`: one page of the visible queue.
    async fn queue_list(&mut self, offset: u32, limit: u32, responder: Responder) {
        let page = self.shared.queue_store.list_visible(self.stored.thread.id.clone(), offset, limit).await;
        responder.send(match page {
            Ok((rows, more)) => Ok(ThreadQueueListResponse {
                data: rows.iter().map(queued_turn).collect(),
                next_cursor: more.then(|| crate::engine::cursor::queue_next(offset, limit)),
            }),
            Err(error) => Err(error::store_failed("read queued turns", error)),
        });
    }

    /// `thread/queue/delete`: a visible row goes; unknown or dispatching ids answer `false`.
    async fn queue_delete(&mut self, queued_turn_id: String, responder: Responder) {
        let deleted = self.shared.queue_store.delete(self.stored.thread.id.clone(), queued_turn_id).await;
        match deleted {
            Err(error) => responder.err(error::store_failed("delete queued turn", error)),
            Ok(false) => responder.ok(ThreadQueueDeleteResponse { deleted: false }),
            Ok(true) => {
                let requester = responder.outbox.clone();
                responder.ok(ThreadQueueDeleteResponse { deleted: true });
                self.queue_changed(Some(&requester)).await;
                self.drain_queue().await;
            }
        }
    }

    /// `thread/queue/reorder`: the ids must be exactly the visible queue.
    async fn queue_reorder(&mut self, queued_turn_ids: Vec<String>, responder: Responder) {
        let now_ms = self.shared.now_ms();
        let reordered = self.shared.queue_store.reorder(self.stored.thread.id.clone(), queued_turn_ids, now_ms).await;
        match reordered {
            Err(error) => responder.err(error::store_failed("reorder queued turns", error)),
            Ok(None) => responder.err(error::queue_reorder_mismatch()),
            Ok(Some(rows)) => {
                let requester = responder.outbox.clone();
                responder.ok(ThreadQueueReorderResponse { queued_turns: rows.iter().map(queued_turn).collect() });
                self.queue_changed(Some(&requester)).await;
                self.drain_queue().await;
            }
        }
    }

    /// `thread/queue/update`: new params for a visible row, which is pending afterwards.
    async fn queue_update(
        &mut self,
        queued_turn_id: String,
        turn_start_params: Value,
        turn_id: Option<String>,
        responder: Responder,
    ) {
        if let Err(error) = self.check_queued_turn_id(turn_id.as_deref(), Some(&queued_turn_id)).await {
            return responder.err(error);
        }
        let now_ms = self.shared.now_ms();
        let thread_id = self.stored.thread.id.clone();
        let updated = self
            .shared
            .queue_store
            .update_queued_turn(thread_id, queued_turn_id.clone(), turn_start_params, now_ms)
            .await;
        match updated {
            Err(error) => responder.err(error::store_failed("update queued turn", error)),
            Ok(None) => responder.err(error::queued_turn_not_found(&queued_turn_id)),
            Ok(Some(row)) => {
                let requester = responder.outbox.clone();
                responder.ok(ThreadQueueUpdateResponse { queued_turn: queued_turn(&row) });
                self.queue_changed(Some(&requester)).await;
                self.drain_queue().await;
            }
        }
    }

    /// A caller turn id of queued params must be new to the thread: no finished or active turn
    /// and no other visible queued turn carries it (PROTOCOL.md §5). `except` is the row being edited.
    async fn check_queued_turn_id(&self, turn_id: Option<&str>, except: Option<&str>) -> Result<(), RpcError> {
        let Some(turn_id) = turn_id else { return Ok(()) };
        let thread_id = &self.stored.thread.id;
        if self.turn_id_used(turn_id) {
            return Err(error::turn_id_exists(thread_id, turn_id));
        }
        let rows = self.visible_queue().await.map_err(|error| error::store_failed("read queued turns", error))?;
        let taken = rows.iter().filter(|row| Some(row.queued_turn_id.as_str()) != except).any(|row| {
            let queued = row.turn_start_params.get("turnId").and_then(Value::as_str);
            queued.and_then(|raw| ids::parse_turn_id(raw).ok()).as_deref() == Some(turn_id)
        });
        if taken {
            return Err(error::turn_id_exists(thread_id, turn_id));
        }
        Ok(())
    }

    /// Every visible row of the thread, head first.
    pub(super) async fn visible_queue(&self) -> Result<Vec<QueuedTurnRow>, StoreError> {
        let mut rows = Vec::new();
        loop {
            let offset = u32::try_from(rows.len()).unwrap_or(u32::MAX);
            let (page, more) =
                self.shared.queue_store.list_visible(self.stored.thread.id.clone(), offset, PAGE).await?;
            let empty = page.is_empty();
            rows.extend(page);
            if !more || empty {
                return Ok(rows);
            }
        }
    }

    /// `thread/queue/changed` with the whole visible queue, to every subscriber and the connection
    /// whose request changed it. A queue the store cannot read now is not announced: the next
    /// change or a `thread/queue/list` shows it.
    pub(super) async fn queue_changed(&self, requester: Option<&Arc<Outbox>>) {
        let Ok(rows) = self.visible_queue().await else { return };
        let notification = ServerNotification::ThreadQueueChanged(ThreadQueueChangedNotification {
            thread_id: self.stored.thread.id.clone(),
            queued_turns: rows.iter().map(queued_turn).collect(),
        });
        let recipients = match requester {
            Some(requester) => with_requester(self.subscribers.clone(), requester),
            None => self.subscribers.clone(),
        };
        broadcast(&recipients, &notification, self.shared.now_ms());
    }
}

/// A stored row as clients see it. A failed row stored without its error reads back with the
/// seed's generic text.
pub(super) fn queued_turn(row: &QueuedTurnRow) -> QueuedTurn {
    let status = match row.state {
        QueuedTurnState::Failed => QueuedTurnStatus::Failed {
            error: row.failure.clone().unwrap_or_else(|| queue_failure(error::QUEUED_TURN_DISPATCH_FAILED.into())),
        },
        QueuedTurnState::Pending | QueuedTurnState::Dispatching => QueuedTurnStatus::Pending,
    };
    QueuedTurn { id: row.queued_turn_id.clone(), turn_start_params: row.turn_start_params.clone(), status }
}

/// The `TurnError` of a queued turn that could not start (PROTOCOL.md §6.1).
pub(super) fn queue_failure(message: String) -> TurnError {
    TurnError { message, codex_error_info: None, additional_details: None, misalignment: None }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::queue::QueuedTurnStatus;

    #[test]
    fn a_failed_row_without_its_error_reads_back_with_the_generic_text() {
        let row = QueuedTurnRow {
            queued_turn_id: "q1".into(),
            thread_id: "t".into(),
            turn_start_params: json!({"threadId": "t", "input": []}),
            queue_order: 1,
            state: QueuedTurnState::Failed,
            dispatch_turn_id: None,
            failure: None,
            created_at_ms: 1,
            updated_at_ms: 1,
        };
        let wire = queued_turn(&row);
        assert_eq!(
            wire.status,
            QueuedTurnStatus::Failed { error: queue_failure("queued turn dispatch failed".into()) }
        );
        assert_eq!(wire.turn_start_params, row.turn_start_params);
    }
}
