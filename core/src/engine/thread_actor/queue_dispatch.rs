//! Dispatch: when the thread is idle, the head of its queue is claimed in the store and started
//! exactly as `turn/start` would start it (PROTOCOL.md §6.1); `thread/queue/start` (a Spindle
//! extension) starts a chosen row the same way; `thread/resume` recovers rows a restart left
//! mid-dispatch.
//!
//! A claimed row is `dispatching` (invisible) until its turn is saved and its `turn/started` has
//! been sent, then removed by that turn id. All of it happens in one actor step, so a row still
//! `dispatching` when the thread is resumed was left by a process that stopped in between: failed
//! if its turn was never saved, removed if it was (the turn then reads back as interrupted) —
//! unless the store refused the write that ends the dispatch. Then the actor keeps that write as
//! an [`UnsettledDispatch`] (handed on to the thread's next actor if it stops) and retries it
//! before the queue moves again; meanwhile the row keeps the queue busy, so no later row
//! overtakes it and a resume does not mistake it for a restart's leftover.

use std::sync::Arc;

use super::LoadedThread;
use super::queue::queue_failure;
use super::turn_lifecycle::new_turn;
use crate::engine::outbox::{Outbox, Responder};
use crate::engine::turn_params::{self, CheckedTurnStart};
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::queue::ThreadQueueStartResponse;
use crate::protocol::turn::{TurnError, TurnStartParams};
use crate::store::queue_store::ClaimOutcome;
use crate::store::{QueuedTurnRow, QueuedTurnState, StoreError};

/// A queue store write that ends a dispatch, refused by the store and still owed.
pub(crate) enum UnsettledDispatch {
    /// The row's turn started: the row must be removed.
    Started { turn_id: String },
    /// The row's turn could not start: the row must become failed.
    Failed { queued_turn_id: String, failure: TurnError },
}

/// Why `thread/queue/start` could not claim its row, and whether the queue changed on the way.
struct ClaimRefused {
    error: RpcError,
    changed: bool,
}

impl LoadedThread {
    /// Claims the head and starts it, if the thread is idle and the head is pending. A failed
    /// head blocks the queue; a store that fails leaves the queue as it is until the next chance.
    pub(super) async fn drain_queue(&mut self) {
        if self.stored.thread.ephemeral || self.active.is_some() || self.settle_dispatch().await.is_err() {
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
    /// queue is sent again if there is one, and the queue drains. While this engine still owes a
    /// dispatching row its write, that row is no restart's leftover and nothing is recovered.
    pub(super) async fn resume_queue(&mut self) {
        if self.stored.thread.ephemeral {
            return;
        }
        let recovered = async {
            self.settle_dispatch().await?;
            self.remove_leftover_of_last_turn().await?;
            let failure = queue_failure(error::QUEUED_TURN_INTERRUPTED_BY_RESTART.into());
            let thread_id = self.stored.thread.id.clone();
            self.shared.queue_store.recover_dispatching(thread_id, failure, self.shared.now_ms()).await
        }
        .await;
        let queued = self.visible_queue().await.is_ok_and(|rows| !rows.is_empty());
        if recovered.is_ok_and(|count| count > 0) || queued {
            self.queue_changed(None).await;
        }
        self.drain_queue().await;
    }

    /// `thread/queue/start`: starts that visible row (or the head) now, pending or failed, ahead
    /// of the rows before it; answers `{turn}` as `turn/start` does.
    pub(super) async fn queue_start(&mut self, queued_turn_id: Option<String>, responder: Responder) {
        if let Err(error) = self.settle_dispatch().await {
            return responder.err(error::store_failed("start queued turn", error));
        }
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
            Err(ClaimRefused { error, changed: false }) => responder.err(error),
            Err(ClaimRefused { error, changed: true }) => {
                // The row was made pending before the store refused a later step: clients hear
                // that, and the queue moves on as it would after an edit.
                let requester = responder.outbox.clone();
                responder.err(error);
                self.queue_changed(Some(&requester)).await;
                self.drain_queue().await;
            }
        }
    }

    /// Claims `target` through the store's one atomic claim: a failed row is made pending again
    /// with its own params and the row is moved to the head first. The actor runs nothing else
    /// meanwhile, so no dispatch of this thread comes between.
    async fn claim_row(&self, target: &QueuedTurnRow, rows: &[QueuedTurnRow]) -> Result<QueuedTurnRow, ClaimRefused> {
        let store = &self.shared.queue_store;
        let thread_id = self.stored.thread.id.clone();
        let id = target.queued_turn_id.clone();
        let mut changed = false;
        let gone = |changed| ClaimRefused { error: error::queued_turn_not_found(&id), changed };
        let failed = |error, changed| ClaimRefused { error: error::store_failed("start queued turn", error), changed };
        let now_ms = self.shared.now_ms();
        if target.state == QueuedTurnState::Failed {
            let params = target.turn_start_params.clone();
            match store.update_queued_turn(thread_id.clone(), id.clone(), params, now_ms).await {
                Ok(Some(_)) => changed = true,
                Ok(None) => return Err(gone(changed)),
                Err(error) => return Err(failed(error, changed)),
            }
        }
        if rows.first().map(|head| &head.queued_turn_id) != Some(&id) {
            let order = std::iter::once(id.clone())
                .chain(rows.iter().map(|row| row.queued_turn_id.clone()).filter(|other| *other != id))
                .collect();
            match store.reorder(thread_id.clone(), order, now_ms).await {
                Ok(Some(_)) => changed = true,
                Ok(None) => return Err(gone(changed)),
                Err(error) => return Err(failed(error, changed)),
            }
        }
        match store.claim_head(thread_id.clone(), now_ms).await {
            Ok(ClaimOutcome::Claimed { row }) if row.queued_turn_id == id => Ok(row),
            Ok(ClaimOutcome::Busy) => {
                Err(ClaimRefused { error: error::queue_start_while_dispatching(&thread_id), changed })
            }
            Ok(_) => Err(gone(changed)),
            Err(error) => Err(failed(error, changed)),
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
        // `turn/started` is out: the row has become that turn. If the store refuses to remove it,
        // it stays dispatching until the removal is settled.
        if store.remove_dispatched(self.stored.thread.id.clone(), turn_id.clone()).await.is_err() {
            self.unsettled = Some(UnsettledDispatch::Started { turn_id });
        }
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
        let queued_turn_id = row.queued_turn_id.clone();
        // If even this write fails the row stays dispatching until the failure is settled.
        if self.shared.queue_store.mark_failed(queued_turn_id.clone(), failure.clone(), now_ms).await.is_err() {
            self.unsettled = Some(UnsettledDispatch::Failed { queued_turn_id, failure });
        }
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

    /// A row is dispatching only while its turn starts, so a process that stopped after saving
    /// that turn (the thread's latest) left its row behind: the row has become the turn, which
    /// reads back as interrupted. Removing it keeps its input from running twice; while the store
    /// refuses, nothing is recovered, so the row is not failed for a turn that did start.
    async fn remove_leftover_of_last_turn(&self) -> Result<(), StoreError> {
        let Some(last) = self.turns.last() else { return Ok(()) };
        self.shared.queue_store.remove_dispatched(self.stored.thread.id.clone(), last.id.clone()).await.map(|_| ())
    }

    /// Writes what a dispatch of this thread (or of an earlier actor of it) still owes the queue
    /// store; `Err` while the store refuses. A row settled as failed is announced.
    async fn settle_dispatch(&mut self) -> Result<(), StoreError> {
        let thread_id = self.stored.thread.id.clone();
        let Some(unsettled) = self.unsettled.take().or_else(|| self.shared.take_unsettled_dispatch(&thread_id)) else {
            return Ok(());
        };
        let store = self.shared.queue_store.clone();
        let now_ms = self.shared.now_ms();
        let written = match &unsettled {
            UnsettledDispatch::Started { turn_id } => store.remove_dispatched(thread_id, turn_id.clone()).await,
            UnsettledDispatch::Failed { queued_turn_id, failure } => {
                store.mark_failed(queued_turn_id.clone(), failure.clone(), now_ms).await
            }
        };
        match written {
            Ok(_) if matches!(unsettled, UnsettledDispatch::Failed { .. }) => {
                self.queue_changed(None).await;
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(error) => {
                self.unsettled = Some(unsettled);
                Err(error)
            }
        }
    }
}
