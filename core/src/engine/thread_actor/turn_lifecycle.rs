//! A turn from start to end: `turn/start` (and start-or-steer), `turn/steer`, the model request,
//! and the three ways a turn ends — completed, failed, interrupted (PROTOCOL.md §4.14–§4.16, §7).

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::oneshot;

use super::{ActiveTurn, LoadedThread, ThreadCommand, TurnKind, TurnRequest, seconds};
use crate::engine::outbox::{Outbox, Responder};
use crate::engine::turn_runner::{self, ModelCall, Retry};
use crate::host::{ModelRequest, boxed};
use crate::ids;
use crate::model::request::{self, RequestContext};
use crate::model::{compaction, failure};
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::item::{ItemCompletedNotification, ItemDetails, ItemStartedNotification, ThreadItem, UserInput};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::thread::ThreadStatus;
use crate::protocol::turn::{
    ErrorNotification, Turn, TurnError, TurnInterruptResponse, TurnItemsView, TurnNotification, TurnStartParams,
    TurnStartResponse, TurnStatus, TurnSteerResponse,
};
use crate::store::HistoryRecord;

impl LoadedThread {
    /// Handles `turn/start` on this thread (PROTOCOL.md §4.14, §7.1). On a busy thread the input
    /// goes into the active turn instead, as 0.169 does (start-or-steer, §7.8).
    pub(super) async fn start_turn(&mut self, request: TurnRequest, responder: Responder) {
        let thread_id = self.stored.thread.id.clone();
        if let Some(active) = &self.active {
            if let Some(turn_id) = &request.turn_id {
                // Steering would silently drop the caller's id (PROTOCOL.md §5).
                return responder.err(error::turn_start_while_active(turn_id, &thread_id, &active.turn.id));
            }
            if matches!(active.kind, TurnKind::Compaction { .. }) {
                return responder.err(error::thread_compacting(&thread_id));
            }
            // The answer names the active turn as `turn/start` answers a new one: not started yet.
            let mut turn = active.turn.clone();
            turn.started_at = None;
            responder.ok(TurnStartResponse { turn });
            let params = request.params;
            return self.steer_active(&params.input, params.client_user_message_id).await;
        }
        let turn_id = match self.new_turn_id(request.turn_id) {
            Ok(turn_id) => turn_id,
            Err(error) => return responder.err(error),
        };
        let turn = new_turn(turn_id);
        let owner = responder.outbox.clone();
        let starting = self.prepare_turn(turn.clone(), request.params, request.user_agent, Some(owner));
        // The caller hears the turn is accepted only once it is saved.
        if let Err(error) = self.save_started(&starting.active).await {
            return responder.err(error);
        }
        responder.ok(TurnStartResponse { turn });
        self.launch_turn(starting).await;
    }

    /// The id of a new turn: the caller's, unless a turn of this thread already has it (§5), or a
    /// fresh UUIDv7.
    pub(super) fn new_turn_id(&self, requested: Option<String>) -> Result<String, RpcError> {
        match requested {
            Some(turn_id) if self.turn_id_used(&turn_id) => {
                Err(error::turn_id_exists(&self.stored.thread.id, &turn_id))
            }
            Some(turn_id) => Ok(turn_id),
            None => Ok(ids::new_id(self.shared.now_ms())),
        }
    }

    /// Whether a finished or the active turn of this thread has `turn_id`.
    pub(super) fn turn_id_used(&self, turn_id: &str) -> bool {
        self.turns.iter().any(|turn| turn.id == turn_id)
            || self.active.as_ref().is_some_and(|active| active.turn.id == turn_id)
    }

    /// Builds a regular turn on the idle thread without announcing it: its user message (and,
    /// on a thread's first request, the instructions) already in the turn and its model history.
    /// `owner` is the connection asked to run host tools.
    pub(super) fn prepare_turn(
        &self,
        turn: Turn,
        params: TurnStartParams,
        user_agent: String,
        owner: Option<Arc<Outbox>>,
    ) -> StartingTurn {
        let now_ms = self.shared.now_ms();
        let mut active = new_active(turn, TurnKind::Regular, user_agent, now_ms);
        active.owner = owner;
        active.output_schema = params.output_schema.clone();
        if self.history.is_empty() {
            // The first request of a thread opens with its instructions; they stay in the history.
            let settings = &self.stored.settings;
            for text in [&settings.base_instructions, &settings.developer_instructions].into_iter().flatten() {
                active.new_history.push(request::developer_message(&ids::new_id(now_ms), text));
            }
        }
        let user_message = (!params.input.is_empty())
            .then(|| add_user_message(&mut active, &params.input, params.client_user_message_id.clone(), now_ms));
        StartingTurn { active, params, user_message }
    }

    /// Saves the active turn as it stands (a `turnStarted` record: the turn with its items so
    /// far, and its model history so far), so a process that stops before the turn ends leaves
    /// it behind as an interrupted turn with its input. Ephemeral threads keep nothing.
    pub(super) async fn save_started(&self, active: &ActiveTurn) -> Result<(), RpcError> {
        if self.stored.thread.ephemeral {
            return Ok(());
        }
        let record = HistoryRecord::TurnStarted { turn: active.full_turn(), items: active.new_history.clone() };
        self.shared
            .thread_store
            .append(self.stored.thread.id.clone(), vec![record])
            .await
            .map_err(|error| error::store_failed("save turn", error))
    }

    /// Runs a prepared (and saved) turn once whoever asked has been answered: the overrides
    /// stick, `active` and `turn/started`, the user message, then the model request.
    pub(super) async fn launch_turn(&mut self, starting: StartingTurn) {
        let StartingTurn { active, params, user_message } = starting;
        let before = self.stored.clone();
        // Overrides stick for later turns (PROTOCOL.md §4.14).
        if let Some(model) = &params.model {
            self.stored.thread.model = Some(model.clone());
        }
        if let Some(effort) = &params.effort {
            self.stored.thread.reasoning_effort = Some(effort.clone());
        }
        if let Some(summary) = &params.summary {
            self.stored.settings.summary = Some(summary.clone());
        }
        if let Some(cwd) = &params.cwd {
            self.stored.thread.cwd = cwd.clone();
        }
        self.announce_turn(&active);
        if let Some(item) = &user_message {
            self.note_preview(&params.input);
            self.announce_user_message(&active, item);
        }
        self.active = Some(active);
        self.request_model();
        if self.stored != before && !self.stored.thread.ephemeral {
            // Written now, not only at the turn's end, so a turn cut off by a stopped process
            // keeps its overrides and the thread lists (thread/list skips threads without a
            // preview; 0.169 lists a thread from its first user message). A failed write only
            // delays that: the turn's end writes the record again.
            let _ = self.shared.thread_store.update(self.stored.clone()).await;
        }
    }

    /// Enters a turn: `active` status, then `turn/started` (PROTOCOL.md §7 rule 3).
    pub(super) fn begin_turn(&mut self, turn: Turn, kind: TurnKind, user_agent: String) -> ActiveTurn {
        let active = new_active(turn, kind, user_agent, self.shared.now_ms());
        self.announce_turn(&active);
        active
    }

    /// `active` status, then `turn/started`.
    fn announce_turn(&mut self, active: &ActiveTurn) {
        self.set_status(ThreadStatus::Active { active_flags: Vec::new() });
        self.emit(ServerNotification::TurnStarted(TurnNotification {
            thread_id: self.stored.thread.id.clone(),
            turn: active.turn.clone(),
        }));
    }

    /// Handles `turn/steer` (PROTOCOL.md §4.15): answers with the active turn id, then steers.
    pub(super) async fn steer(
        &mut self,
        input: Vec<UserInput>,
        client_id: Option<String>,
        expected_turn_id: String,
        responder: Responder,
    ) {
        let Some(active) = &self.active else {
            return responder.err(error::no_active_turn_to_steer());
        };
        if ids::parse_turn_id(&expected_turn_id).ok().as_deref() != Some(active.turn.id.as_str()) {
            return responder.err(error::steer_turn_mismatch(&expected_turn_id, &active.turn.id));
        }
        if matches!(active.kind, TurnKind::Compaction { .. }) {
            return responder.err(error::thread_compacting(&self.stored.thread.id));
        }
        if input.is_empty() {
            return responder.err(error::empty_steer_input());
        }
        responder.ok(TurnSteerResponse { turn_id: active.turn.id.clone() });
        self.steer_active(&input, client_id).await;
    }

    /// Adds input to the active turn (PROTOCOL.md §7.8): the in-flight response is abandoned —
    /// its unfinished items never complete and stay out of the history — the input becomes a
    /// user message of this turn, saved with the turn so far, and a new model request carries it.
    async fn steer_active(&mut self, input: &[UserInput], client_id: Option<String>) {
        let Some(mut active) = self.active.take() else {
            return;
        };
        drop(active.cancel.take());
        active.open_items.clear();
        self.settle_tool_calls(&mut active);
        if !input.is_empty() {
            let item = add_user_message(&mut active, input, client_id, self.shared.now_ms());
            // The steer was already answered; a failed save leaves the input to the turn's end record.
            let _ = self.save_started(&active).await;
            self.note_preview(input);
            self.announce_user_message(&active, &item);
        }
        self.active = Some(active);
        self.request_model();
    }

    /// An untitled thread takes its preview from its first user message.
    fn note_preview(&mut self, input: &[UserInput]) {
        if self.stored.thread.preview.is_empty() {
            let text: Vec<&str> = input
                .iter()
                .filter_map(|part| match part {
                    UserInput::Text { text, .. } => Some(text.as_str()),
                    UserInput::Image { .. } => None,
                })
                .collect();
            self.stored.thread.preview = text.join("\n");
        }
    }

    /// `item/started` and `item/completed` for a user message already in the turn.
    fn announce_user_message(&self, active: &ActiveTurn, item: &ThreadItem) {
        self.emit_item_started(active, &ThreadItem { completed_at_ms: None, ..item.clone() });
        self.send_item_completed(active, item);
    }

    /// `item/started` for an item of the active turn.
    pub(super) fn emit_item_started(&self, active: &ActiveTurn, item: &ThreadItem) {
        let now_ms = self.shared.now_ms();
        self.emit(ServerNotification::ItemStarted(ItemStartedNotification {
            item: item.clone(),
            thread_id: self.stored.thread.id.clone(),
            turn_id: active.turn.id.clone(),
            started_at_ms: item.started_at_ms.unwrap_or(now_ms),
        }));
    }

    /// Stamps an item finished, sends `item/completed`, and keeps it in the turn.
    pub(super) fn emit_item_completed(&self, active: &mut ActiveTurn, mut item: ThreadItem) {
        item.completed_at_ms = Some(self.shared.now_ms());
        self.send_item_completed(active, &item);
        active.items.push(item);
    }

    /// `item/completed` for a finished item of the active turn.
    fn send_item_completed(&self, active: &ActiveTurn, item: &ThreadItem) {
        self.emit(ServerNotification::ItemCompleted(ItemCompletedNotification {
            item: item.clone(),
            thread_id: self.stored.thread.id.clone(),
            turn_id: active.turn.id.clone(),
            content_token_count: None,
            completed_at_ms: item.completed_at_ms.unwrap_or_else(|| self.shared.now_ms()),
        }));
    }

    /// Starts a model request of the active turn over the history so far, replacing (and so
    /// cancelling) any request still running.
    pub(super) fn request_model(&mut self) {
        let (cancel, cancelled) = oneshot::channel();
        let request_id = self.shared.next_id();
        let Some(active) = &self.active else { return };
        let thread = &self.stored.thread;
        let model = thread.model.clone().unwrap_or_else(|| self.shared.options.model.clone());
        let originator = thread.originator.clone().unwrap_or_default();
        let compaction = matches!(active.kind, TurnKind::Compaction { .. });
        let context = RequestContext {
            thread_id: &thread.id,
            model: &model,
            effort: thread.reasoning_effort.as_deref(),
            summary: self.stored.settings.summary.as_deref(),
            originator: &originator,
            user_agent: &active.user_agent,
            parallel_tool_calls: !compaction,
            output_schema: active.output_schema.as_ref(),
        };
        let compaction_prompt = compaction.then(compaction::compaction_prompt);
        let mut input: Vec<&[Value]> = vec![&self.history, &active.new_history];
        if let Some(prompt) = &compaction_prompt {
            input.push(std::slice::from_ref(prompt));
        }
        let tools = crate::model::tools::request_tools(&self.stored.settings.dynamic_tools);
        let request = ModelRequest {
            id: request_id,
            path: "/responses".into(),
            headers: request::headers(&context),
            body: request::body(&context, &input, &tools),
        };
        let call =
            ModelCall { transport: self.shared.transport.clone(), request, actor: self.tx.clone(), cancel: cancelled };
        if let Some(active) = self.active.as_mut() {
            active.request_id = request_id;
            // Replacing the handle drops the previous one, which stops that request.
            active.cancel = Some(cancel);
        }
        self.shared.spawn.spawn(boxed(turn_runner::run(call)));
    }

    /// Ends the active turn as completed: persist, then `idle` and `turn/completed` (PROTOCOL.md §7.1).
    pub(super) async fn complete_turn(&mut self) {
        let Some(mut active) = self.active.take() else {
            return;
        };
        let now_ms = self.shared.now_ms();
        let full = ended(&mut active, TurnStatus::Completed, now_ms);
        let history = HistoryRecord::ModelItems { items: active.new_history.clone() };
        if let Err(error) = self.persist(history, &full, now_ms).await {
            return self.finish_failed(active, error).await;
        }
        self.history.append(&mut active.new_history);
        self.turns.push(full);
        self.set_status(ThreadStatus::Idle);
        let mut summary = active.turn;
        summary.items = active.items.into_iter().filter(ThreadItem::is_agent_message).collect();
        summary.items_view = TurnItemsView::Summary;
        self.emit_turn_completed(summary);
    }

    /// A model request failed: retry it if its budget allows (silently for a request, with an
    /// `error … willRetry: true` notice for a broken stream), else fail the turn (PROTOCOL.md §7.6).
    pub(super) async fn model_failed(&mut self, error: TurnError, retry: Retry) {
        let shared = self.shared.clone();
        let options = &shared.options;
        let Some(mut active) = self.active.take() else { return };
        let attempt = match retry {
            Retry::Request if active.request_retries < options.request_max_retries => {
                active.request_retries += 1;
                active.request_retries
            }
            Retry::Stream if active.stream_retries < options.stream_max_retries => {
                active.stream_retries += 1;
                // What the broken stream started is abandoned, as after a steer.
                active.open_items.clear();
                self.settle_tool_calls(&mut active);
                self.emit(ServerNotification::Error(ErrorNotification {
                    error: failure::reconnecting(active.stream_retries, options.stream_max_retries, &error),
                    will_retry: true,
                    thread_id: self.stored.thread.id.clone(),
                    turn_id: active.turn.id.clone(),
                }));
                active.stream_retries
            }
            _ => return self.finish_failed(active, error).await,
        };
        // The delay comes from the host clock; the actor keeps serving commands meanwhile.
        let (clock, actor, request_id) = (self.shared.clock.clone(), self.tx.clone(), active.request_id);
        self.active = Some(active);
        self.shared.spawn.spawn(boxed(async move {
            clock.sleep(failure::backoff_ms(attempt)).await;
            let _ = actor.send(ThreadCommand::RetryModel { request_id });
        }));
    }

    /// Ends the turn as failed (PROTOCOL.md §7.6).
    pub(super) async fn finish_failed(&mut self, mut active: ActiveTurn, error: TurnError) {
        self.settle_tool_calls(&mut active);
        let now_ms = self.shared.now_ms();
        active.turn.error = Some(error.clone());
        let mut full = ended(&mut active, TurnStatus::Failed, now_ms);
        // A failed turn keeps its user message in history; the partial output is not replayed (§8.3).
        full.items.retain(|item| !item.is_agent_message());
        active.new_history.retain(|item| item.get("role").and_then(Value::as_str) != Some("assistant"));
        // A store failure here is already being reported as this turn's error.
        let _ = self.persist(HistoryRecord::ModelItems { items: active.new_history.clone() }, &full, now_ms).await;
        self.history.append(&mut active.new_history);
        self.turns.push(full);
        self.set_status(ThreadStatus::SystemError);
        self.emit(ServerNotification::Error(ErrorNotification {
            error,
            will_retry: false,
            thread_id: self.stored.thread.id.clone(),
            turn_id: active.turn.id.clone(),
        }));
        self.emit_turn_completed(active.turn);
    }

    /// Handles `turn/interrupt` (PROTOCOL.md §4.16, §7.4): stops the model request, keeps what
    /// finished, drops the partial message, answers `{}`, then `idle` and `turn/completed`.
    pub(super) async fn interrupt(&mut self, turn_id: String, responder: Responder) {
        let Some(active) = &self.active else {
            return responder.err(error::no_active_turn_to_interrupt());
        };
        if ids::parse_turn_id(&turn_id).ok().as_deref() != Some(active.turn.id.as_str()) {
            return responder.err(error::interrupt_turn_mismatch(&turn_id, &active.turn.id));
        }
        let Some((turn, saved)) = self.abort_active().await else {
            return responder.err(error::no_active_turn_to_interrupt());
        };
        match saved {
            Ok(()) => responder.ok(TurnInterruptResponse {}),
            Err(error) => responder.err(error::internal_error(error.message)),
        }
        self.finish_interrupted(turn);
    }

    /// Stops the active turn and records it as interrupted. The caller answers whoever asked,
    /// then calls [`Self::finish_interrupted`] with the returned turn.
    pub(super) async fn abort_active(&mut self) -> Option<(Turn, Result<(), TurnError>)> {
        let mut active = self.active.take()?;
        // Dropping the cancel handle makes the runner abort the HTTP request right away.
        drop(active.cancel.take());
        self.settle_tool_calls(&mut active);
        let now_ms = self.shared.now_ms();
        let full = ended(&mut active, TurnStatus::Interrupted, now_ms);
        if matches!(active.kind, TurnKind::Regular) {
            active.new_history.push(request::turn_aborted(&ids::new_id(now_ms)));
        }
        let saved = self.persist(HistoryRecord::ModelItems { items: active.new_history.clone() }, &full, now_ms).await;
        self.history.append(&mut active.new_history);
        self.turns.push(full);
        Some((active.turn, saved))
    }

    /// `idle` and `turn/completed` for the turn [`Self::abort_active`] stopped.
    pub(super) fn finish_interrupted(&mut self, mut turn: Turn) {
        self.set_status(ThreadStatus::Idle);
        turn.items = Vec::new();
        turn.items_view = TurnItemsView::NotLoaded;
        self.emit_turn_completed(turn);
    }

    /// `turn/completed`, however the turn ended; then the queue may run its next turn (§6.1).
    pub(super) fn emit_turn_completed(&self, turn: Turn) {
        // Through the channel, not now: a `turn/start` accepted while the turn ran is already in
        // it and goes first. Queued before `turn/completed` goes out, so whatever a client sends
        // after hearing it comes after the drain.
        let _ = self.tx.send(ThreadCommand::DrainQueue);
        self.emit(ServerNotification::TurnCompleted(TurnNotification {
            thread_id: self.stored.thread.id.clone(),
            turn,
        }));
    }
}

/// A turn as `turn/start` announces it: in progress, no items yet, not started.
pub(super) fn new_turn(turn_id: String) -> Turn {
    Turn {
        id: turn_id.clone(),
        root_turn_id: Some(turn_id),
        items: Vec::new(),
        items_view: TurnItemsView::NotLoaded,
        status: TurnStatus::InProgress,
        error: None,
        started_at: None,
        completed_at: None,
        duration_ms: None,
    }
}

/// Stamps the end of a turn and returns it as history keeps it: every finished item, view `full`.
pub(super) fn ended(active: &mut ActiveTurn, status: TurnStatus, now_ms: i64) -> Turn {
    active.turn.status = status;
    active.turn.completed_at = Some(seconds(now_ms));
    active.turn.duration_ms = Some(now_ms.saturating_sub(active.started_at_ms));
    active.full_turn()
}

/// A regular turn built but not announced yet: [`LoadedThread::prepare_turn`] makes it, the
/// caller saves it, answers whoever asked, then [`LoadedThread::launch_turn`] runs it.
pub(super) struct StartingTurn {
    pub(super) active: ActiveTurn,
    params: TurnStartParams,
    /// The turn's user message, announced right after `turn/started`.
    user_message: Option<ThreadItem>,
}

/// Turn-scoped state of a turn starting now, stamped `startedAt`.
fn new_active(mut turn: Turn, kind: TurnKind, user_agent: String, now_ms: i64) -> ActiveTurn {
    turn.started_at = Some(seconds(now_ms));
    ActiveTurn {
        turn,
        kind,
        started_at_ms: now_ms,
        user_agent,
        items: Vec::new(),
        open_items: Vec::new(),
        new_history: Vec::new(),
        owner: None,
        pending_call: None,
        held_events: Default::default(),
        tool_outputs: Vec::new(),
        follow_up: false,
        output_schema: None,
        request_retries: 0,
        stream_retries: 0,
        request_id: 0,
        cancel: None,
    }
}

/// Puts `input` into the turn as a finished user message item and into its model history;
/// returns the item, which is announced separately (after the turn is saved).
fn add_user_message(
    active: &mut ActiveTurn,
    input: &[UserInput],
    client_id: Option<String>,
    now_ms: i64,
) -> ThreadItem {
    let item = ThreadItem {
        id: ids::new_id(now_ms),
        details: ItemDetails::UserMessage { client_id, content: input.to_vec() },
        started_at_ms: Some(now_ms),
        completed_at_ms: Some(now_ms),
    };
    active.items.push(item.clone());
    active.new_history.push(request::user_message(&ids::new_id(now_ms), input));
    item
}
