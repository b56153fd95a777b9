//! `thread/fork` (PROTOCOL.md §4.3, §5, transcript 08): a new thread holding a source thread's
//! finished turns and model history up to the fork point, loaded, idle and subscribed by the
//! requester.

use serde_json::Value;
use tokio::sync::oneshot;

use crate::engine::SPINDLE_VERSION;
use crate::engine::connection::Ctx;
use crate::engine::handlers::thread::{new_thread_id, register};
use crate::engine::outbox::Responder;
use crate::engine::thread_actor::{self, ForkSource, ThreadCommand};
use crate::ids;
use crate::model::request;
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::thread::{
    Thread, ThreadEnvironment, ThreadForkParams, ThreadForkResponse, ThreadStartResponse, ThreadStartedNotification,
    ThreadStatus, ThreadTokenUsageUpdatedNotification,
};
use crate::store::history;
use crate::store::thread_store::LoadedHistory;
use crate::store::{HistoryRecord, StoredThread, ThreadSettings};

/// Handles `thread/fork`: the response, the inherited token usage (only when turns were asked
/// for, as 0.169), then `thread/started`, all to the requester.
pub async fn fork(ctx: &Ctx, params: ThreadForkParams, responder: Responder) {
    let forked = match create(ctx, params).await {
        Ok(forked) => forked,
        Err(error) => return responder.err(error),
    };
    let outbox = responder.outbox.clone();
    responder.ok(forked.response);
    let now_ms = ctx.shared.now_ms();
    for notification in &forked.notifications {
        outbox.notify(notification, now_ms);
    }
}

/// A fork that exists: what to answer and what follows the answer.
struct Forked {
    response: ThreadForkResponse,
    notifications: Vec<ServerNotification>,
}

/// A source thread as a fork reads it.
struct Source {
    /// Its record and every persisted history record, started turns settled (the running one left
    /// out).
    history: LoadedHistory,
    /// What the live thread adds when it is loaded.
    live: Option<ForkSource>,
}

/// The part of the source's history a fork copies.
struct Cut {
    records: Vec<HistoryRecord>,
    /// Cut at the source's live end (no turn named), so its token usage carries over.
    at_end: bool,
    /// A turn was running at the cut; the fork leaves it out and marks the interruption.
    interrupted: bool,
}

async fn create(ctx: &Ctx, params: ThreadForkParams) -> Result<Forked, RpcError> {
    let ephemeral = params.ephemeral.unwrap_or(false);
    let include_turns = !params.exclude_turns.unwrap_or(false);
    if ephemeral && include_turns {
        return Err(error::ephemeral_fork_requires_exclude_turns());
    }
    if params.last_turn_id.is_some() && params.before_turn_id.is_some() {
        return Err(error::fork_boundaries_conflict());
    }
    let source_id = ids::parse_thread_id(&params.thread_id)?;
    let now_ms = ctx.shared.now_ms();
    let thread_id = new_thread_id(ctx, params.new_thread_id.as_deref(), now_ms).await?;
    let source = read_source(ctx, &source_id).await?;
    let cut = cut(&source, &params)?;

    let mut records = cut.records;
    if cut.interrupted {
        // The running turn stays with the source; the fork's model learns a turn was cut off here.
        records.push(HistoryRecord::ModelItems { items: vec![request::turn_aborted(&ids::new_id(now_ms))] });
    }
    let mut settings = source.history.stored.settings.clone();
    if let Some(base) = &params.base_instructions {
        settings.base_instructions = Some(base.clone());
    }
    if let Some(developer) = &params.developer_instructions {
        settings.developer_instructions = Some(developer.clone());
    }
    restate_instructions(&mut records, &settings, now_ms);
    let mut thread = forked_thread(ctx, &source.history.stored.thread, &thread_id, &params, now_ms);
    thread.ephemeral = ephemeral;
    if !records.iter().any(is_turn) {
        // The preview is the first user message, which a fork before the first turn does not have.
        thread.preview = String::new();
    }
    let stored = StoredThread { thread, settings, archived: false, token_usage: None };
    if !ephemeral {
        let store = &ctx.shared.thread_store;
        store.create(stored.clone()).await.map_err(|error| error::store_failed("create thread", error))?;
        if !records.is_empty() {
            store
                .append(thread_id.clone(), records.clone())
                .await
                .map_err(|error| error::store_failed("create thread", error))?;
        }
    }
    let (stored, turns, model_items) = LoadedHistory { stored, records, truncated: false }.into_parts();
    let handle = thread_actor::spawn(ctx.shared.clone(), stored.clone(), turns.clone(), model_items);
    let inherited = source.live.filter(|_| cut.at_end).map(|live| live.usage);
    if let Some(usage) = inherited {
        handle.send(ThreadCommand::InheritUsage(usage));
    }
    handle.send(ThreadCommand::Subscribe(ctx.outbox.clone()));
    register(ctx, &thread_id, handle)?;

    let mut notifications = Vec::new();
    if include_turns
        && let Some(usage) = inherited
        && usage.total != Default::default()
        && let Some(last) = turns.last()
    {
        notifications.push(ServerNotification::ThreadTokenUsageUpdated(ThreadTokenUsageUpdatedNotification {
            thread_id: thread_id.clone(),
            turn_id: last.id.clone(),
            token_usage: usage,
        }));
    }
    notifications.push(ServerNotification::ThreadStarted(ThreadStartedNotification { thread: stored.thread.clone() }));
    let mut thread = stored.thread;
    if include_turns {
        thread.turns = turns;
    }
    Ok(Forked { response: ThreadForkResponse { session: ThreadStartResponse::for_thread(thread) }, notifications })
}

/// Reads the source: its persisted record and history, plus the live parts when it is loaded.
/// Like 0.169, a fork copies what is stored: the store holds every finished turn (an actor writes
/// a turn before announcing its end) with exact turn boundaries, and an ephemeral source, never
/// stored, has no rollout to fork. A turn a stopped process left running is copied as the
/// interrupted turn it reads as; the source's own running turn stays with the source.
async fn read_source(ctx: &Ctx, source_id: &str) -> Result<Source, RpcError> {
    let live = match ctx.shared.loaded_thread(source_id) {
        Some(handle) => {
            let (reply, answer) = oneshot::channel();
            if handle.send(ThreadCommand::ForkSource { reply }) { answer.await.ok() } else { None }
        }
        None => None,
    };
    let mut history = ctx
        .shared
        .thread_store
        .load(source_id.to_owned(), None)
        .await
        .map_err(|error| error::store_failed("read thread", error))?
        .filter(|history| !history.stored.archived)
        .ok_or_else(|| error::no_rollout_found(source_id))?;
    if let Some(live) = &live {
        history.stored = live.stored.clone();
    }
    let running = live.as_ref().and_then(|live| live.active_turn_id.as_deref());
    history.records = history::settle_records(&history.records, running);
    Ok(Source { history, live })
}

/// Where the fork cuts: through `lastTurnId`, before `beforeTurnId`, or after every finished turn.
/// Turn ids are compared in canonical form; errors quote the caller's spelling, as upstream.
fn cut(source: &Source, params: &ThreadForkParams) -> Result<Cut, RpcError> {
    let records = &source.history.records;
    // A turn that ended between the actor's answer and the store read is finished, not running.
    let active = source
        .live
        .as_ref()
        .and_then(|live| live.active_turn_id.as_deref())
        .filter(|active| turn_position(records, active).is_none());
    let prefix = |len: usize| records.iter().take(len).cloned().collect::<Vec<_>>();
    if let Some(raw) = &params.last_turn_id {
        let turn_id = ids::parse_turn_id(raw).ok();
        return match turn_id.as_deref().and_then(|turn_id| turn_position(records, turn_id)) {
            Some(position) => Ok(Cut { records: prefix(position + 1), at_end: false, interrupted: false }),
            None if turn_id.is_some() && turn_id.as_deref() == active => Err(error::last_turn_id_in_progress(raw)),
            None => Err(error::last_turn_id_not_found(raw)),
        };
    }
    if let Some(raw) = &params.before_turn_id {
        let turn_id = ids::parse_turn_id(raw).ok();
        if let Some(position) = turn_id.as_deref().and_then(|turn_id| turn_position(records, turn_id)) {
            // A turn's records follow the record of the turn before it.
            let start = records.iter().take(position).rposition(is_turn).map_or(0, |previous| previous + 1);
            return Ok(Cut { records: prefix(start), at_end: false, interrupted: false });
        }
        if turn_id.is_some() && turn_id.as_deref() == active {
            return Ok(Cut { records: records.clone(), at_end: false, interrupted: false });
        }
        return Err(error::before_turn_id_not_found(raw));
    }
    Ok(Cut { records: records.clone(), at_end: true, interrupted: active.is_some() })
}

fn turn_position(records: &[HistoryRecord], turn_id: &str) -> Option<usize> {
    records.iter().position(|record| matches!(record, HistoryRecord::Turn { turn } if turn.id == turn_id))
}

fn is_turn(record: &HistoryRecord) -> bool {
    matches!(record, HistoryRecord::Turn { .. })
}

/// The source with a new identity: new ids, `forkedFromId`, no name, fresh timestamps, loaded and
/// idle, created by the requester, with the request's overrides.
fn forked_thread(ctx: &Ctx, source: &Thread, thread_id: &str, params: &ThreadForkParams, now_ms: i64) -> Thread {
    let seconds = now_ms.div_euclid(1000);
    let mut thread = source.clone();
    thread.id = thread_id.to_owned();
    thread.session_id = thread_id.to_owned();
    thread.forked_from_id = Some(source.id.clone());
    thread.name = None;
    thread.created_at = seconds;
    thread.updated_at = seconds;
    thread.recency_at = Some(seconds);
    thread.status = ThreadStatus::Idle;
    thread.path = None;
    thread.cli_version = SPINDLE_VERSION.into();
    thread.originator = ctx.outbox.session().map(|session| session.client_info.name.clone());
    thread.can_accept_direct_input = Some(true);
    thread.turns = Vec::new();
    if let Some(model) = &params.model {
        thread.model = Some(model.clone());
    }
    if let Some(model_provider) = &params.model_provider {
        thread.model_provider = model_provider.clone();
    }
    if let Some(cwd) = &params.cwd {
        thread.cwd = cwd.clone();
    }
    thread.environments = Some(vec![ThreadEnvironment {
        environment_id: "local".into(),
        cwd: thread.cwd.clone(),
        runtime_workspace_roots: vec![thread.cwd.clone()],
    }]);
    thread
}

/// Renders the developer messages the copied history opens with again, from the fork's settings
/// and with fresh ids. 0.169 renders a fork's instructions anew (transcript 08: the fork's first
/// request replays the source's history, but its instructions message has a new id), and this is
/// where `baseInstructions` / `developerInstructions` overrides reach the model.
fn restate_instructions(records: &mut [HistoryRecord], settings: &ThreadSettings, now_ms: i64) {
    let Some(items) = records.iter_mut().find_map(|record| match record {
        HistoryRecord::ModelItems { items } => Some(items),
        _ => None,
    }) else {
        return;
    };
    let leading = items.iter().take_while(|item| item.get("role").and_then(Value::as_str) == Some("developer")).count();
    let fresh = request::instruction_messages(
        settings.base_instructions.as_deref(),
        settings.developer_instructions.as_deref(),
        || ids::new_id(now_ms),
    );
    items.splice(..leading, fresh);
}
