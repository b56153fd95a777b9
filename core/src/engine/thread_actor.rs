//! LoadedThread: the one task that owns a loaded thread's history, settings, subscribers and its
//! active turn. (The seeds call this the session; here it is the loaded thread.)
//!
//! Everything that touches a thread's state is a [`ThreadCommand`] on its channel, so ordering is
//! by construction: a request's response is written before the notifications it causes, and
//! model events apply in stream order. The model request itself runs in a separate task
//! (`turn_runner`) that reports back here. Subscriber bookkeeping and what a fork reads live in
//! the child modules `subscriptions` and `fork`.

mod fork;
mod subscriptions;

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::EngineShared;
use super::outbox::{Outbox, Responder, broadcast, with_requester};
use super::turn_runner::{self, ModelCall, RunnerEvent};
use crate::host::{ModelRequest, boxed};
use crate::ids;
use crate::model::events::{ResponsesEvent, message_text};
use crate::model::request::{self, RequestContext};
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::item::AgentMessageDeltaNotification;
use crate::protocol::item::{ItemCompletedNotification, ItemDetails, ItemStartedNotification, ThreadItem, UserInput};
use crate::protocol::thread::{
    Thread, ThreadNameSetResponse, ThreadNameUpdatedNotification, ThreadStatus, ThreadStatusChangedNotification,
    ThreadTokenUsage, ThreadTokenUsageUpdatedNotification,
};
use crate::protocol::turn::{
    ErrorNotification, Turn, TurnError, TurnInterruptResponse, TurnItemsView, TurnNotification, TurnStartParams,
    TurnStartResponse, TurnStatus,
};
use crate::store::{HistoryRecord, StoredThread};
pub(crate) use fork::ForkSource;

/// A message to a thread's actor.
pub(crate) enum ThreadCommand {
    /// Send this connection the thread's notifications from now on.
    Subscribe(Arc<Outbox>),
    /// Stop sending the requesting connection the thread's notifications (`thread/unsubscribe`);
    /// the actor answers.
    Unsubscribe { responder: Responder },
    /// Whether no connection is subscribed and no turn runs (what a host may unload).
    IsUnsubscribed { reply: oneshot::Sender<bool> },
    /// Unload if no connection is subscribed and no turn runs: the actor leaves the engine's
    /// registry, hands back what it leaves behind and ends; `None` (and it stays) otherwise.
    UnloadIfUnsubscribed { reply: oneshot::Sender<Option<Unloaded>> },
    /// What `thread/fork` needs from the live thread.
    ForkSource { reply: oneshot::Sender<ForkSource> },
    /// Take over the token usage of the thread this one was forked from.
    InheritUsage(ThreadTokenUsage),
    /// Start a turn (`turn/start`, validated by the handler); the actor answers.
    StartTurn { request: TurnRequest, responder: Responder },
    /// Rename the thread (`thread/name/set`, name already trimmed); the actor persists and answers.
    SetName { name: String, responder: Responder },
    /// Stop: the actor hands back its thread and subscribers and ends; an active turn is dropped.
    Unload { reply: oneshot::Sender<Unloaded> },
    /// A snapshot of the thread as `thread/read` shows it.
    Read { include_turns: bool, reply: oneshot::Sender<Thread> },
    /// Stop the active turn (`turn/interrupt`); `turn_id` is the client's, unparsed.
    Interrupt { turn_id: String, responder: Responder },
    /// An event from the model request of turn `turn_id`.
    Model { turn_id: String, event: RunnerEvent },
}

/// What an unloaded thread leaves behind.
pub(crate) struct Unloaded {
    /// The thread record as the actor last had it.
    pub stored: StoredThread,
    /// Who was subscribed, to be told the thread is now `notLoaded`.
    pub subscribers: Vec<Arc<Outbox>>,
}

/// A validated `turn/start`.
pub(crate) struct TurnRequest {
    pub params: TurnStartParams,
    /// The caller's turn id, canonical.
    pub turn_id: Option<String>,
    /// The requesting connection's user agent, sent to the model.
    pub user_agent: String,
}

/// The address of a loaded thread's actor.
#[derive(Clone)]
pub(crate) struct ThreadHandle {
    tx: mpsc::UnboundedSender<ThreadCommand>,
}

impl ThreadHandle {
    /// Sends a command; `false` if the actor has stopped.
    pub fn send(&self, command: ThreadCommand) -> bool {
        self.tx.send(command).is_ok()
    }

    /// Sends a command, handing it back if the actor has stopped (so its responder can answer).
    #[allow(clippy::result_large_err)] // the command comes back only when the thread is gone
    pub fn send_or_return(&self, command: ThreadCommand) -> Result<(), ThreadCommand> {
        self.tx.send(command).map_err(|failed| failed.0)
    }
}

/// Loads `stored` (with its finished turns and model history) into a new actor and returns its handle.
pub(crate) fn spawn(
    shared: Arc<EngineShared>,
    stored: StoredThread,
    turns: Vec<Turn>,
    history: Vec<Value>,
) -> ThreadHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let thread = LoadedThread {
        shared: shared.clone(),
        stored,
        status: ThreadStatus::Idle,
        turns,
        history,
        usage: ThreadTokenUsage { model_context_window: shared.options.model_context_window, ..Default::default() },
        subscribers: Vec::new(),
        active: None,
        tx: tx.clone(),
    };
    shared.spawn.spawn(boxed(thread.run(rx)));
    ThreadHandle { tx }
}

/// Turn-scoped state: dropped when the turn ends.
struct ActiveTurn {
    turn: Turn,
    started_at_ms: i64,
    user_agent: String,
    /// Finished items, in order.
    items: Vec<ThreadItem>,
    /// Agent messages started but not finished.
    open_messages: Vec<ThreadItem>,
    /// Model-visible items this turn adds to the history.
    new_history: Vec<Value>,
    /// Dropping it stops the model request.
    cancel: Option<oneshot::Sender<()>>,
}

struct LoadedThread {
    shared: Arc<EngineShared>,
    stored: StoredThread,
    status: ThreadStatus,
    turns: Vec<Turn>,
    history: Vec<Value>,
    usage: ThreadTokenUsage,
    subscribers: Vec<Arc<Outbox>>,
    active: Option<ActiveTurn>,
    tx: mpsc::UnboundedSender<ThreadCommand>,
}

fn seconds(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

impl LoadedThread {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<ThreadCommand>) {
        while let Some(command) = rx.recv().await {
            match command {
                ThreadCommand::Subscribe(outbox) => {
                    if !self.subscribers.iter().any(|known| known.id == outbox.id) {
                        self.subscribers.push(outbox);
                    }
                }
                ThreadCommand::Unsubscribe { responder } => self.unsubscribe(responder),
                ThreadCommand::IsUnsubscribed { reply } => {
                    let _ = reply.send(self.is_unsubscribed());
                }
                ThreadCommand::UnloadIfUnsubscribed { reply } => {
                    if self.unload_if_unsubscribed(reply) {
                        return;
                    }
                }
                ThreadCommand::ForkSource { reply } => {
                    let _ = reply.send(self.fork_source());
                }
                ThreadCommand::InheritUsage(usage) => self.usage = usage,
                ThreadCommand::StartTurn { request, responder } => self.start_turn(request, responder),
                ThreadCommand::Interrupt { turn_id, responder } => self.interrupt(turn_id, responder).await,
                ThreadCommand::SetName { name, responder } => self.set_name(name, responder).await,
                ThreadCommand::Unload { reply } => {
                    let unloaded = Unloaded { stored: self.stored.clone(), subscribers: self.subscribers.clone() };
                    let _ = reply.send(unloaded);
                    // Dropping `self` drops the active turn and so cancels its model request.
                    return;
                }
                ThreadCommand::Read { include_turns, reply } => {
                    let _ = reply.send(self.snapshot(include_turns));
                }
                ThreadCommand::Model { turn_id, event } => {
                    // Events of a turn that already ended (interrupted, steered) are stale.
                    if self.active.as_ref().is_some_and(|active| active.turn.id == turn_id) {
                        self.model_event(event).await;
                    }
                }
            }
            self.subscribers.retain(|outbox| !outbox.is_closed());
        }
    }

    fn emit(&self, notification: ServerNotification) {
        broadcast(&self.subscribers, &notification, self.shared.now_ms());
    }

    fn set_status(&mut self, status: ThreadStatus) {
        self.status = status.clone();
        self.emit(ServerNotification::ThreadStatusChanged(ThreadStatusChangedNotification {
            thread_id: self.stored.thread.id.clone(),
            status,
        }));
    }

    /// The thread as clients see it while loaded.
    fn snapshot(&self, include_turns: bool) -> Thread {
        let mut thread = self.stored.thread.clone();
        thread.status = self.status.clone();
        thread.can_accept_direct_input = Some(true);
        if include_turns {
            thread.turns = self.turns.clone();
            if let Some(active) = &self.active {
                let mut turn = active.turn.clone();
                turn.items = active.items.clone();
                turn.items_view = TurnItemsView::Full;
                thread.turns.push(turn);
            }
        }
        thread
    }

    /// Handles `thread/name/set` on a loaded thread: persist, answer, tell every subscriber and
    /// the requester (PROTOCOL.md §4.10).
    async fn set_name(&mut self, name: String, responder: Responder) {
        let mut renamed = self.stored.clone();
        renamed.thread.name = Some(name.clone());
        if !renamed.thread.ephemeral
            && let Err(error) = self.shared.thread_store.update(renamed.clone()).await
        {
            return responder.err(error::store_failed("rename thread", error));
        }
        self.stored = renamed;
        let requester = responder.outbox.clone();
        responder.ok(ThreadNameSetResponse {});
        let notification = ServerNotification::ThreadNameUpdated(ThreadNameUpdatedNotification {
            thread_id: self.stored.thread.id.clone(),
            thread_name: Some(name),
        });
        broadcast(&with_requester(self.subscribers.clone(), &requester), &notification, self.shared.now_ms());
    }

    /// Handles `turn/start` on this thread (PROTOCOL.md §4.14, §7.1).
    fn start_turn(&mut self, request: TurnRequest, responder: Responder) {
        let thread_id = self.stored.thread.id.clone();
        if let Some(active) = &self.active {
            // TODO(#3): without a caller turn id, start-or-steer adds the input to the active turn.
            let turn_id = request.turn_id.as_deref().unwrap_or("");
            return responder.err(error::turn_start_while_active(turn_id, &thread_id, &active.turn.id));
        }
        let now_ms = self.shared.now_ms();
        let turn_id = match request.turn_id {
            Some(turn_id) if self.turns.iter().any(|turn| turn.id == turn_id) => {
                return responder.err(error::turn_id_exists(&thread_id, &turn_id));
            }
            Some(turn_id) => turn_id,
            None => ids::new_id(now_ms),
        };
        let params = request.params;
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
        let mut turn = Turn {
            id: turn_id.clone(),
            root_turn_id: Some(turn_id.clone()),
            items: Vec::new(),
            items_view: TurnItemsView::NotLoaded,
            status: TurnStatus::InProgress,
            error: None,
            started_at: None,
            completed_at: None,
            duration_ms: None,
        };
        responder.ok(TurnStartResponse { turn: turn.clone() });

        self.set_status(ThreadStatus::Active { active_flags: Vec::new() });
        turn.started_at = Some(seconds(now_ms));
        self.emit(ServerNotification::TurnStarted(TurnNotification {
            thread_id: thread_id.clone(),
            turn: turn.clone(),
        }));

        let (cancel, cancelled) = oneshot::channel();
        let mut active = ActiveTurn {
            turn,
            started_at_ms: now_ms,
            user_agent: request.user_agent,
            items: Vec::new(),
            open_messages: Vec::new(),
            new_history: Vec::new(),
            cancel: Some(cancel),
        };
        if self.history.is_empty() {
            // The first request of a thread opens with its instructions; they stay in the history.
            let settings = &self.stored.settings;
            for text in [&settings.base_instructions, &settings.developer_instructions].into_iter().flatten() {
                active.new_history.push(request::developer_message(&ids::new_id(now_ms), text));
            }
        }
        if !params.input.is_empty() {
            self.add_user_message(&mut active, &params.input, params.client_user_message_id.clone());
        }
        self.active = Some(active);
        self.request_model(cancelled);
    }

    /// Emits the user message item of a turn and records it for the model.
    fn add_user_message(&mut self, active: &mut ActiveTurn, input: &[UserInput], client_id: Option<String>) {
        let now_ms = self.shared.now_ms();
        let id = ids::new_id(now_ms);
        let mut item = ThreadItem {
            id: id.clone(),
            details: ItemDetails::UserMessage { client_id, content: input.to_vec() },
            started_at_ms: Some(now_ms),
            completed_at_ms: None,
        };
        let thread_id = self.stored.thread.id.clone();
        let turn_id = active.turn.id.clone();
        self.emit(ServerNotification::ItemStarted(ItemStartedNotification {
            item: item.clone(),
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            started_at_ms: now_ms,
        }));
        item.completed_at_ms = Some(now_ms);
        self.emit(ServerNotification::ItemCompleted(ItemCompletedNotification {
            item: item.clone(),
            thread_id,
            turn_id,
            content_token_count: None,
            completed_at_ms: now_ms,
        }));
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
        active.items.push(item);
        active.new_history.push(request::user_message(&ids::new_id(now_ms), input));
    }

    /// Starts the model request of the active turn over the history so far.
    fn request_model(&self, cancel: oneshot::Receiver<()>) {
        let Some(active) = &self.active else { return };
        let thread = &self.stored.thread;
        let model = thread.model.clone().unwrap_or_else(|| self.shared.options.model.clone());
        let originator = thread.originator.clone().unwrap_or_default();
        let context = RequestContext {
            thread_id: &thread.id,
            model: &model,
            effort: thread.reasoning_effort.as_deref(),
            summary: self.stored.settings.summary.as_deref(),
            originator: &originator,
            user_agent: &active.user_agent,
        };
        let input: Vec<Value> = self.history.iter().chain(&active.new_history).cloned().collect();
        let body = request::body(&context, &input, &[]);
        let request = ModelRequest {
            id: self.shared.next_id(),
            path: "/responses".into(),
            headers: request::headers(&context),
            body: body.to_string(),
        };
        let call = ModelCall {
            transport: self.shared.transport.clone(),
            request,
            turn_id: active.turn.id.clone(),
            actor: self.tx.clone(),
            cancel,
        };
        self.shared.spawn.spawn(boxed(turn_runner::run(call)));
    }

    async fn model_event(&mut self, event: RunnerEvent) {
        match event {
            RunnerEvent::Stream(ResponsesEvent::OutputItemAdded { item }) => self.output_item_added(&item),
            RunnerEvent::Stream(ResponsesEvent::OutputTextDelta { item_id, delta }) => {
                self.output_text_delta(item_id, delta)
            }
            RunnerEvent::Stream(ResponsesEvent::OutputItemDone { item }) => self.output_item_done(item),
            RunnerEvent::Stream(ResponsesEvent::Completed { usage }) => {
                if let Some(last) = usage {
                    self.usage.last = last;
                    self.usage.total = self.usage.total.plus(last);
                    if let Some(active) = &self.active {
                        self.emit(ServerNotification::ThreadTokenUsageUpdated(ThreadTokenUsageUpdatedNotification {
                            thread_id: self.stored.thread.id.clone(),
                            turn_id: active.turn.id.clone(),
                            token_usage: self.usage,
                        }));
                    }
                }
                self.complete_turn().await;
            }
            RunnerEvent::Stream(_) => {}
            RunnerEvent::Failed(error) => self.fail_turn(error).await,
        }
    }

    fn output_item_added(&mut self, item: &Value) {
        if item.get("type").and_then(Value::as_str) != Some("message") {
            return; // TODO(#4): reasoning and function calls.
        }
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let now_ms = self.shared.now_ms();
        let id = item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let started = agent_message(id, String::new(), now_ms);
        active.open_messages.push(started.clone());
        let notification = ServerNotification::ItemStarted(ItemStartedNotification {
            item: started,
            thread_id: self.stored.thread.id.clone(),
            turn_id: active.turn.id.clone(),
            started_at_ms: now_ms,
        });
        self.emit(notification);
    }

    fn output_text_delta(&mut self, item_id: String, delta: String) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        // A delta for an item never announced is dropped, as 0.169 does (PROTOCOL.md §7.1).
        let Some(open) = active.open_messages.iter_mut().find(|open| open.id == item_id) else {
            return;
        };
        if let ItemDetails::AgentMessage { text, .. } = &mut open.details {
            text.push_str(&delta);
        }
        let notification = ServerNotification::AgentMessageDelta(AgentMessageDeltaNotification {
            thread_id: self.stored.thread.id.clone(),
            turn_id: active.turn.id.clone(),
            item_id,
            delta,
        });
        self.emit(notification);
    }

    fn output_item_done(&mut self, item: Value) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        match item.get("type").and_then(Value::as_str) {
            Some("message") => {}
            Some("reasoning") => {
                // TODO(#4): reasoning items and their notifications; kept for replay meanwhile.
                active.new_history.push(item);
                return;
            }
            _ => return,
        }
        let now_ms = self.shared.now_ms();
        let id = item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let text = message_text(&item);
        let thread_id = self.stored.thread.id.clone();
        let turn_id = active.turn.id.clone();
        let position = active.open_messages.iter().position(|open| open.id == id);
        let mut finished = match position {
            Some(position) => active.open_messages.remove(position),
            None => {
                // `done` without `added`: the start already carries the full text (PROTOCOL.md §7.1).
                let started = agent_message(id.clone(), text.clone(), now_ms);
                broadcast(
                    &self.subscribers,
                    &ServerNotification::ItemStarted(ItemStartedNotification {
                        item: started.clone(),
                        thread_id: thread_id.clone(),
                        turn_id: turn_id.clone(),
                        started_at_ms: now_ms,
                    }),
                    now_ms,
                );
                started
            }
        };
        if let ItemDetails::AgentMessage { text: finished_text, .. } = &mut finished.details {
            *finished_text = text.clone();
        }
        finished.completed_at_ms = Some(now_ms);
        active.items.push(finished.clone());
        active.new_history.push(request::assistant_message(&id, &text));
        broadcast(
            &self.subscribers,
            &ServerNotification::ItemCompleted(ItemCompletedNotification {
                item: finished,
                thread_id,
                turn_id,
                content_token_count: None,
                completed_at_ms: now_ms,
            }),
            now_ms,
        );
    }

    /// Ends the active turn as completed: persist, then `idle` and `turn/completed` (PROTOCOL.md §7.1).
    async fn complete_turn(&mut self) {
        let Some(mut active) = self.active.take() else {
            return;
        };
        let now_ms = self.shared.now_ms();
        let full = ended(&mut active, TurnStatus::Completed, now_ms);
        if let Err(error) = self.persist(&active, &full, now_ms).await {
            return self.finish_failed(active, error).await;
        }
        self.history.append(&mut active.new_history);
        self.turns.push(full);
        self.set_status(ThreadStatus::Idle);
        let mut summary = active.turn;
        summary.items = active.items.into_iter().filter(ThreadItem::is_agent_message).collect();
        summary.items_view = TurnItemsView::Summary;
        self.emit(ServerNotification::TurnCompleted(TurnNotification {
            thread_id: self.stored.thread.id.clone(),
            turn: summary,
        }));
    }

    /// Ends the active turn as failed (PROTOCOL.md §7.6).
    async fn fail_turn(&mut self, error: TurnError) {
        let Some(active) = self.active.take() else {
            return;
        };
        self.finish_failed(active, error).await;
    }

    async fn finish_failed(&mut self, mut active: ActiveTurn, error: TurnError) {
        let now_ms = self.shared.now_ms();
        active.turn.error = Some(error.clone());
        let mut full = ended(&mut active, TurnStatus::Failed, now_ms);
        // A failed turn keeps its user message in history; the partial output is not replayed (§8.3).
        full.items.retain(|item| !item.is_agent_message());
        active.new_history.retain(|item| item.get("role").and_then(Value::as_str) != Some("assistant"));
        // A store failure here is already being reported as this turn's error.
        let _ = self.persist(&active, &full, now_ms).await;
        self.history.append(&mut active.new_history);
        self.turns.push(full);
        let thread_id = self.stored.thread.id.clone();
        self.set_status(ThreadStatus::SystemError);
        self.emit(ServerNotification::Error(ErrorNotification {
            error,
            will_retry: false,
            thread_id: thread_id.clone(),
            turn_id: active.turn.id.clone(),
        }));
        self.emit(ServerNotification::TurnCompleted(TurnNotification { thread_id, turn: active.turn }));
    }

    /// Handles `turn/interrupt` (PROTOCOL.md §4.16, §7.4): stops the model request, keeps what
    /// finished, drops the partial message, answers `{}`, then `idle` and `turn/completed`.
    async fn interrupt(&mut self, turn_id: String, responder: Responder) {
        let Some(active) = &self.active else {
            return responder.err(error::no_active_turn_to_interrupt());
        };
        if ids::parse_turn_id(&turn_id).ok().as_deref() != Some(active.turn.id.as_str()) {
            return responder.err(error::interrupt_turn_mismatch(&turn_id, &active.turn.id));
        }
        let Some(mut active) = self.active.take() else {
            return;
        };
        // Dropping the cancel handle makes the runner abort the HTTP request right away.
        drop(active.cancel.take());
        let now_ms = self.shared.now_ms();
        let full = ended(&mut active, TurnStatus::Interrupted, now_ms);
        active.new_history.push(request::turn_aborted(&ids::new_id(now_ms)));
        let saved = self.persist(&active, &full, now_ms).await;
        self.history.append(&mut active.new_history);
        self.turns.push(full);
        match saved {
            Ok(()) => responder.ok(TurnInterruptResponse {}),
            Err(error) => responder.err(error::internal_error(error.message)),
        }
        self.set_status(ThreadStatus::Idle);
        let mut turn = active.turn;
        turn.items = Vec::new();
        turn.items_view = TurnItemsView::NotLoaded;
        self.emit(ServerNotification::TurnCompleted(TurnNotification {
            thread_id: self.stored.thread.id.clone(),
            turn,
        }));
    }

    /// Writes a finished turn before any client is told it finished.
    async fn persist(&mut self, active: &ActiveTurn, full: &Turn, now_ms: i64) -> Result<(), TurnError> {
        self.stored.thread.updated_at = seconds(now_ms);
        self.stored.thread.recency_at = Some(seconds(now_ms));
        if self.stored.thread.ephemeral {
            return Ok(());
        }
        let store = self.shared.thread_store.clone();
        let records = vec![
            HistoryRecord::ModelItems { items: active.new_history.clone() },
            HistoryRecord::Turn { turn: full.clone() },
        ];
        let result = async {
            store.append(self.stored.thread.id.clone(), records).await?;
            store.update(self.stored.clone()).await
        }
        .await;
        result.map_err(|error| TurnError {
            message: error::store_failed("save turn", error).message,
            codex_error_info: Some(Value::String("other".into())),
            additional_details: None,
            misalignment: None,
        })
    }
}

/// Stamps the end of a turn and returns it as history keeps it: every finished item, view `full`.
fn ended(active: &mut ActiveTurn, status: TurnStatus, now_ms: i64) -> Turn {
    active.turn.status = status;
    active.turn.completed_at = Some(seconds(now_ms));
    active.turn.duration_ms = Some(now_ms.saturating_sub(active.started_at_ms));
    let mut full = active.turn.clone();
    full.items = active.items.clone();
    full.items_view = TurnItemsView::Full;
    full
}

/// An agent message item with the null fields 0.169 always writes.
fn agent_message(id: String, text: String, started_at_ms: i64) -> ThreadItem {
    ThreadItem {
        id,
        details: ItemDetails::AgentMessage {
            moderation: None,
            text,
            phase: None,
            memory_citation: None,
            delivery: None,
            questions: None,
        },
        started_at_ms: Some(started_at_ms),
        completed_at_ms: None,
    }
}
