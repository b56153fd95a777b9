//! `thread/resume` (PROTOCOL.md §4.2, transcript 08): load a stored thread into an actor with its
//! turns and model history, or re-subscribe to one already loaded.

use serde_json::json;
use tokio::sync::oneshot;

use crate::engine::connection::Ctx;
use crate::engine::cursor;
use crate::engine::outbox::Responder;
use crate::engine::thread_actor::{self, ThreadCommand};
use crate::ids;
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::thread::{
    Thread, ThreadEnvironment, ThreadResumeParams, ThreadResumeResponse, ThreadStartResponse, ThreadStatus,
    ThreadStatusChangedNotification,
};

/// Handles `thread/resume`: an unloaded thread answers after `thread/status/changed idle`; a
/// loaded one just answers and gains this connection as a subscriber.
pub async fn resume(ctx: &Ctx, params: ThreadResumeParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    if let Some(thread) = subscribe_loaded(ctx, &thread_id).await {
        responder.ok(response(thread, params.exclude_turns));
        return replay_usage(ctx, &thread_id);
    }
    match load(ctx, &thread_id, &params).await {
        Err(error) => responder.err(error),
        Ok(thread) => {
            let idle = ServerNotification::ThreadStatusChanged(ThreadStatusChangedNotification {
                thread_id: thread_id.clone(),
                status: ThreadStatus::Idle,
            });
            responder.outbox.notify(&idle, ctx.shared.now_ms());
            responder.ok(response(thread, params.exclude_turns));
            replay_usage(ctx, &thread_id);
        }
    }
}

/// After the response, the thread's token usage snapshot follows (0.169, transcript 08); then the
/// queue recovers what a restart left mid-dispatch and drains (PROTOCOL.md §6.1).
fn replay_usage(ctx: &Ctx, thread_id: &str) {
    if let Some(handle) = ctx.shared.loaded_thread(thread_id) {
        handle.send(ThreadCommand::ReplayUsage(ctx.outbox.clone()));
        handle.send(ThreadCommand::ResumeQueue);
    }
}

/// Subscribes to a loaded thread and returns its snapshot with turns; `None` if it is not loaded.
async fn subscribe_loaded(ctx: &Ctx, thread_id: &str) -> Option<Thread> {
    let handle = ctx.shared.loaded_thread(thread_id)?;
    let (reply, answer) = oneshot::channel();
    if !handle.send(ThreadCommand::Subscribe(ctx.outbox.clone()))
        || !handle.send(ThreadCommand::Read { include_turns: true, reply })
    {
        return None;
    }
    answer.await.ok()
}

/// Loads a stored thread into a new actor subscribed by this connection.
async fn load(ctx: &Ctx, thread_id: &str, params: &ThreadResumeParams) -> Result<Thread, RpcError> {
    let shared = &ctx.shared;
    let history = shared
        .thread_store
        .load(thread_id.to_owned(), None)
        .await
        .map_err(|error| error::store_failed("read thread", error))?
        .filter(|history| !history.stored.archived)
        .ok_or_else(|| error::no_rollout_found(thread_id))?;
    let (mut stored, turns, model_items) = history.into_parts();
    if let Some(model) = &params.model {
        stored.thread.model = Some(model.clone());
    }
    if let Some(cwd) = &params.cwd {
        stored.thread.cwd = cwd.clone();
    }
    let cwd = stored.thread.cwd.clone();
    stored.thread.status = ThreadStatus::Idle;
    stored.thread.can_accept_direct_input = Some(true);
    stored.thread.environments = Some(vec![ThreadEnvironment {
        environment_id: "local".into(),
        cwd: cwd.clone(),
        runtime_workspace_roots: vec![cwd],
    }]);
    let mut thread = stored.thread.clone();
    thread.turns = turns.clone();
    let handle = thread_actor::spawn(shared.clone(), stored, turns, model_items);
    handle.send(ThreadCommand::Subscribe(ctx.outbox.clone()));
    let raced = {
        let mut threads = shared.threads.lock().unwrap_or_else(|poison| poison.into_inner());
        match threads.get(thread_id) {
            Some(_) => true,
            None => {
                threads.insert(thread_id.to_owned(), handle.clone());
                false
            }
        }
    };
    if raced {
        // Another connection loaded it between our check and now: stop our copy, join theirs.
        let (reply, _) = oneshot::channel();
        handle.send(ThreadCommand::Unload { reply });
        return subscribe_loaded(ctx, thread_id).await.ok_or_else(|| error::no_rollout_found(thread_id));
    }
    Ok(thread)
}

/// The response over `thread` (with all its turns); `excludeTurns` drops them from the answer.
fn response(mut thread: Thread, exclude_turns: bool) -> ThreadResumeResponse {
    // Where `thread/turns/list` can page from, anchored at the oldest turn as 0.169 anchors it.
    let turns_backwards_cursor = thread.turns.first().map(|turn| cursor::turns_cursor(&turn.id, true));
    if exclude_turns {
        thread.turns.clear();
    }
    let collaboration_mode = json!({"mode": "default", "settings": {
        "model": thread.model, "reasoning_effort": thread.reasoning_effort, "developer_instructions": null}});
    ThreadResumeResponse {
        session: ThreadStartResponse::for_thread(thread),
        collaboration_mode,
        initial_turns_page: None,
        turns_backwards_cursor,
        // No `thread/items/list` exists in Spindle, so there is nothing for an items cursor to name.
        items_backwards_cursor: None,
    }
}
