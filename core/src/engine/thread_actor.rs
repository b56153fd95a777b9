//! LoadedThread: the one task that owns a loaded thread's history, settings, subscribers and its
//! active turn. (The seeds call this the session; here it is the loaded thread.)
//!
//! Everything that touches a thread's state is a [`ThreadCommand`] on its channel, so ordering is
//! by construction: a request's response is written before the notifications it causes, and
//! model events apply in stream order. The model request itself runs in a separate task
//! (`turn_runner`) that reports back here. The turn lifecycle, model output, host tool calls,
//! compaction and the thread's queue live in the submodules, as do subscriber bookkeeping, how
//! the actor stops and what a fork reads; this file holds the actor's state and its command loop.

mod compaction;
mod fork;
mod model_output;
mod queue;
mod queue_dispatch;
mod subscriptions;
mod tool_calls;
mod turn_lifecycle;
mod unload;

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::EngineShared;
use super::outbox::{ClientAnswer, Outbox, Responder, broadcast, with_requester};
use super::turn_runner::RunnerEvent;
use crate::host::boxed;
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::item::{ThreadItem, UserInput};
use crate::protocol::thread::{
    Thread, ThreadNameSetResponse, ThreadNameUpdatedNotification, ThreadStatus, ThreadStatusChangedNotification,
    ThreadTokenUsage, ThreadTokenUsageUpdatedNotification,
};
use crate::protocol::turn::{Turn, TurnError, TurnItemsView, TurnStartParams};
use crate::store::{HistoryRecord, StoreError, StoredThread};
pub(crate) use fork::ForkSource;
pub(crate) use queue::QueueRequest;
pub(crate) use queue_dispatch::UnsettledDispatch;

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
    /// Stop: the actor hands back its subscribers and ends; an active turn is dropped.
    Unload { reply: oneshot::Sender<Unloaded> },
    /// Archive (`thread/archive`): the actor stores its record archived, then leaves the engine's
    /// registry, hands back what it leaves behind and ends (an active turn is dropped). If the
    /// store refuses, it answers the error and stays loaded.
    Archive { reply: oneshot::Sender<Result<Unloaded, StoreError>> },
    /// Delete (`thread/delete`): the actor deletes its queued turns and its stored thread, then
    /// leaves the registry and ends, answering whether the store had the thread. If the store
    /// refuses, it answers the error and stays loaded.
    Delete { reply: oneshot::Sender<Result<(Unloaded, bool), StoreError>> },
    /// A snapshot of the thread as `thread/read` shows it.
    Read { include_turns: bool, reply: oneshot::Sender<Thread> },
    /// Stop the active turn (`turn/interrupt`); `turn_id` is the client's, unparsed.
    Interrupt { turn_id: String, responder: Responder },
    /// Add input to the active turn (`turn/steer`); `expected_turn_id` is the client's, unparsed.
    Steer { input: Vec<UserInput>, client_id: Option<String>, expected_turn_id: String, responder: Responder },
    /// Run a compaction turn (`thread/compact/start`).
    Compact { responder: Responder },
    /// Send this connection the thread's token usage snapshot, if it has one (after a resume,
    /// as 0.169 does).
    ReplayUsage(Arc<Outbox>),
    /// An event from model request `request_id` (events of an abandoned request are stale).
    Model { request_id: u64, event: RunnerEvent },
    /// The backoff before retrying model request `request_id` is over.
    RetryModel { request_id: u64 },
    /// The client's answer to tool call `call_id`; `None` when no answer can come any more.
    ToolAnswer { call_id: String, answer: Option<ClientAnswer> },
    /// A `thread/queue/*` request (params checked by the handler); the actor answers.
    Queue { request: QueueRequest, responder: Responder },
    /// Start the queue's head if the thread is idle. A turn's end sends this to the actor itself,
    /// behind any `turn/start` already accepted, so a queued turn never overtakes one (§6.1).
    DrainQueue,
    /// After `thread/resume`: surface rows a restart left dispatching, re-send the queue, drain.
    ResumeQueue,
}

impl ThreadCommand {
    /// The responder a command carries, so a command that found no actor can still be answered.
    pub fn into_responder(self) -> Option<Responder> {
        match self {
            ThreadCommand::StartTurn { responder, .. }
            | ThreadCommand::SetName { responder, .. }
            | ThreadCommand::Interrupt { responder, .. }
            | ThreadCommand::Steer { responder, .. }
            | ThreadCommand::Compact { responder }
            | ThreadCommand::Queue { responder, .. }
            | ThreadCommand::Unsubscribe { responder } => Some(responder),
            ThreadCommand::Subscribe(_)
            | ThreadCommand::IsUnsubscribed { .. }
            | ThreadCommand::UnloadIfUnsubscribed { .. }
            | ThreadCommand::ForkSource { .. }
            | ThreadCommand::InheritUsage(_)
            | ThreadCommand::ReplayUsage(_)
            | ThreadCommand::Unload { .. }
            | ThreadCommand::Archive { .. }
            | ThreadCommand::Delete { .. }
            | ThreadCommand::Read { .. }
            | ThreadCommand::Model { .. }
            | ThreadCommand::RetryModel { .. }
            | ThreadCommand::ToolAnswer { .. }
            | ThreadCommand::DrainQueue
            | ThreadCommand::ResumeQueue => None,
        }
    }
}

/// What an unloaded thread leaves behind.
pub(crate) struct Unloaded {
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

    /// Sends a request's command; if the thread was unloaded meanwhile, answers `thread not found`.
    pub fn send_request(&self, thread_id: &str, command: ThreadCommand) {
        if let Err(command) = self.send_or_return(command)
            && let Some(responder) = command.into_responder()
        {
            responder.err(error::thread_not_found(thread_id));
        }
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
    let usage = stored.token_usage.unwrap_or(ThreadTokenUsage {
        model_context_window: shared.options.model_context_window,
        ..Default::default()
    });
    let thread = LoadedThread {
        shared: shared.clone(),
        stored,
        status: ThreadStatus::Idle,
        turns,
        history,
        usage,
        subscribers: Vec::new(),
        active: None,
        unsettled: None,
        tx: tx.clone(),
    };
    shared.spawn.spawn(boxed(thread.run(rx)));
    ThreadHandle { tx }
}

/// What a turn is for.
enum TurnKind {
    /// A turn driven by user input.
    Regular,
    /// A compaction turn (PROTOCOL.md §7.7): its model output is the summary, not items.
    Compaction {
        /// The `contextCompaction` item shown while it runs.
        item: ThreadItem,
        /// The summary text received so far.
        summary: String,
    },
}

/// Turn-scoped state: dropped when the turn ends.
struct ActiveTurn {
    turn: Turn,
    kind: TurnKind,
    started_at_ms: i64,
    user_agent: String,
    /// Finished items, in order.
    items: Vec<ThreadItem>,
    /// Agent messages and reasoning started but not finished, by Responses item id.
    open_items: Vec<ThreadItem>,
    /// Model-visible items this turn adds to the history.
    new_history: Vec<Value>,
    /// The connection that started the turn: it is asked to run host tools.
    owner: Option<Arc<Outbox>>,
    /// A host tool call waiting for its answer.
    pending_call: Option<tool_calls::PendingCall>,
    /// Model events that arrived while a tool call waited, in stream order.
    held_events: VecDeque<RunnerEvent>,
    /// `function_call_output` items of the current response, sent after all its calls (§8.4).
    tool_outputs: Vec<Value>,
    /// The current response made tool calls, so the turn continues with another request.
    follow_up: bool,
    /// `turn/start.outputSchema`: applies to this turn only (PROTOCOL.md §4.14).
    output_schema: Option<Value>,
    /// Retries spent on failed requests and on broken streams since the last completed response.
    request_retries: u32,
    stream_retries: u32,
    /// The current model request; events of any other request are stale.
    request_id: u64,
    /// Dropping it stops the current model request.
    cancel: Option<oneshot::Sender<()>>,
}

impl ActiveTurn {
    /// The turn with every finished item so far, view `full` (what history keeps).
    fn full_turn(&self) -> Turn {
        Turn { items: self.items.clone(), items_view: TurnItemsView::Full, ..self.turn.clone() }
    }
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
    /// A queue store write a dispatch still owes (the store refused it).
    unsettled: Option<UnsettledDispatch>,
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
                        break;
                    }
                }
                ThreadCommand::ForkSource { reply } => {
                    let _ = reply.send(self.fork_source());
                }
                ThreadCommand::InheritUsage(usage) => self.usage = usage,
                ThreadCommand::StartTurn { request, responder } => self.start_turn(request, responder).await,
                ThreadCommand::Interrupt { turn_id, responder } => self.interrupt(turn_id, responder).await,
                ThreadCommand::Steer { input, client_id, expected_turn_id, responder } => {
                    self.steer(input, client_id, expected_turn_id, responder).await
                }
                ThreadCommand::Compact { responder } => self.compact(responder).await,
                ThreadCommand::SetName { name, responder } => self.set_name(name, responder).await,
                ThreadCommand::Unload { reply } => {
                    let _ = reply.send(self.leave());
                    break;
                }
                ThreadCommand::Archive { reply } => {
                    if self.archive(reply).await {
                        break;
                    }
                }
                ThreadCommand::Delete { reply } => {
                    if self.delete(reply).await {
                        break;
                    }
                }
                ThreadCommand::Read { include_turns, reply } => {
                    let _ = reply.send(self.snapshot(include_turns));
                }
                ThreadCommand::Model { request_id, event } => match self.active.as_mut() {
                    // Events of a request the turn abandoned (steer) or of a turn that ended are stale.
                    Some(active) if active.request_id != request_id => {}
                    None => {}
                    Some(active) if active.pending_call.is_some() => active.held_events.push_back(event),
                    Some(_) => self.model_event(event).await,
                },
                ThreadCommand::ToolAnswer { call_id, answer } => self.tool_answer(call_id, answer).await,
                ThreadCommand::RetryModel { request_id } => {
                    // A steer, an interrupt or the turn's end since the failure cancels the retry.
                    if self.active.as_ref().is_some_and(|active| active.request_id == request_id) {
                        self.request_model();
                    }
                }
                ThreadCommand::ReplayUsage(outbox) => self.replay_usage(&outbox),
                ThreadCommand::Queue { request, responder } => self.queue_request(request, responder).await,
                ThreadCommand::DrainQueue => self.drain_queue().await,
                ThreadCommand::ResumeQueue => self.resume_queue().await,
            }
            self.subscribers.retain(|outbox| !outbox.is_closed());
        }
        // Dropping `self` after this drops an active turn and so cancels its model request.
        self.answer_late_commands(&mut rx).await;
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
                thread.turns.push(active.full_turn());
            }
        }
        thread
    }

    /// The usage snapshot, attributed to the last turn, to one connection; nothing before a turn
    /// reported usage.
    fn replay_usage(&self, outbox: &Outbox) {
        let Some(turn) = self.turns.last() else { return };
        if self.stored.token_usage.is_none() {
            return;
        }
        let notification = ServerNotification::ThreadTokenUsageUpdated(ThreadTokenUsageUpdatedNotification {
            thread_id: self.stored.thread.id.clone(),
            turn_id: turn.id.clone(),
            token_usage: self.usage,
        });
        outbox.notify(&notification, self.shared.now_ms());
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

    /// Writes a finished turn and what it did to the model history before any client is told
    /// it finished; `Err` only when the turn could not be saved.
    async fn persist(&mut self, history: HistoryRecord, full: &Turn, now_ms: i64) -> Result<(), TurnError> {
        self.stored.thread.updated_at = seconds(now_ms);
        self.stored.thread.recency_at = Some(seconds(now_ms));
        if self.usage.total.total_tokens > 0 || self.usage.last.total_tokens > 0 {
            self.stored.token_usage = Some(self.usage);
        }
        if self.stored.thread.ephemeral {
            return Ok(());
        }
        let store = self.shared.thread_store.clone();
        let records = vec![history, HistoryRecord::Turn { turn: full.clone() }];
        store.append(self.stored.thread.id.clone(), records).await.map_err(|error| TurnError {
            message: error::store_failed("save turn", error).message,
            codex_error_info: Some(Value::String("other".into())),
            additional_details: None,
            misalignment: None,
        })?;
        // The turn is saved. A record the store refuses to update (`updatedAt`, usage) only lags:
        // every later write stores it whole. Failing the turn now would store it a second time.
        let _ = store.update(self.stored.clone()).await;
        Ok(())
    }
}
