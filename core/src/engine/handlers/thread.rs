//! `thread/*` handlers: start, read, loaded/list, name/set (PROTOCOL.md §4.1, §4.4, §4.6, §4.10), and
//! the new-thread id rule start and fork share (§5).

use tokio::sync::oneshot;

use crate::engine::connection::Ctx;
use crate::engine::outbox::Responder;
use crate::engine::thread_actor::{self, ThreadCommand, ThreadHandle};
use crate::engine::{EngineShared, SPINDLE_VERSION};
use crate::ids;
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::thread::{
    Thread, ThreadEnvironment, ThreadLoadedListParams, ThreadLoadedListResponse, ThreadNameSetParams,
    ThreadNameSetResponse, ThreadNameUpdatedNotification, ThreadReadParams, ThreadReadResponse, ThreadStartParams,
    ThreadStartResponse, ThreadStartedNotification, ThreadStatus,
};
use crate::store::{StoredThread, ThreadSettings};

/// Handles `thread/start` (PROTOCOL.md §4.1): response, then `thread/started` to this connection.
pub async fn start(ctx: &Ctx, params: ThreadStartParams, responder: Responder) {
    let result = create(ctx, params).await;
    let (response, notification) = match result {
        Ok(started) => started,
        Err(error) => return responder.err(error),
    };
    let outbox = responder.outbox.clone();
    responder.ok(response);
    outbox.notify(&notification, ctx.shared.now_ms());
}

async fn create(ctx: &Ctx, params: ThreadStartParams) -> Result<(ThreadStartResponse, ServerNotification), RpcError> {
    let shared = &ctx.shared;
    let options = &shared.options;
    let now_ms = shared.now_ms();
    let thread_id = new_thread_id(ctx, params.thread_id.as_deref(), now_ms).await?;
    let cwd = params.cwd.clone().unwrap_or_else(|| options.cwd.clone());
    let model = params.model.clone().unwrap_or_else(|| options.model.clone());
    let model_provider = params.model_provider.clone().unwrap_or_else(|| options.model_provider.clone());
    let seconds = now_ms.div_euclid(1000);
    let thread = Thread {
        id: thread_id.clone(),
        environments: Some(vec![ThreadEnvironment {
            environment_id: "local".into(),
            cwd: cwd.clone(),
            runtime_workspace_roots: vec![cwd.clone()],
        }]),
        extra: None,
        session_id: thread_id.clone(),
        forked_from_id: None,
        attached_to_thread_id: None,
        parent_thread_id: None,
        preview: String::new(),
        ephemeral: params.ephemeral.unwrap_or(false),
        section: None,
        section_entered_at: None,
        project_id: None,
        history_mode: "paginated".into(),
        model_provider: model_provider.clone(),
        model: Some(model.clone()),
        reasoning_effort: None,
        created_at: seconds,
        updated_at: seconds,
        recency_at: Some(seconds),
        status: ThreadStatus::Idle,
        path: None,
        cwd: cwd.clone(),
        cli_version: SPINDLE_VERSION.into(),
        originator: ctx.outbox.session().map(|session| session.client_info.name.clone()),
        source: options.source.clone(),
        can_accept_direct_input: Some(true),
        thread_source: None,
        agent_nickname: None,
        agent_role: None,
        git_info: None,
        name: None,
        daybreak_enabled: None,
        turns: Vec::new(),
    };
    let stored = StoredThread {
        thread: thread.clone(),
        settings: ThreadSettings {
            base_instructions: params.base_instructions,
            developer_instructions: params.developer_instructions,
            summary: None,
            dynamic_tools: params.dynamic_tools.unwrap_or_default(),
        },
        archived: false,
        token_usage: None,
    };
    if !thread.ephemeral {
        shared
            .thread_store
            .create(stored.clone())
            .await
            .map_err(|error| error::store_failed("create thread", error))?;
    }
    let handle = thread_actor::spawn(shared.clone(), stored, Vec::new(), Vec::new());
    handle.send(ThreadCommand::Subscribe(ctx.outbox.clone()));
    register(ctx, &thread_id, handle)?;
    let response = ThreadStartResponse::for_thread(thread.clone());
    Ok((response, ServerNotification::ThreadStarted(ThreadStartedNotification { thread })))
}

/// The id of a new thread (start, fork): the caller's, canonical, and known neither loaded nor
/// stored (archived included), or a fresh UUIDv7 (PROTOCOL.md §5).
pub(crate) async fn new_thread_id(ctx: &Ctx, requested: Option<&str>, now_ms: i64) -> Result<String, RpcError> {
    let Some(raw) = requested else {
        return Ok(ids::new_id(now_ms));
    };
    let thread_id = ids::parse_thread_id(raw)?;
    let stored = ctx
        .shared
        .thread_store
        .load(thread_id.clone(), Some(0))
        .await
        .map_err(|error| error::store_failed("read thread", error))?;
    if stored.is_some() || ctx.shared.loaded_thread(&thread_id).is_some() {
        return Err(error::thread_id_exists(&thread_id));
    }
    Ok(thread_id)
}

/// Adds a new thread's actor to the engine. If another request took the caller's id between the
/// check in [`new_thread_id`] and now, this one loses: its actor stops and the id is refused.
pub(crate) fn register(ctx: &Ctx, thread_id: &str, handle: ThreadHandle) -> Result<(), RpcError> {
    {
        let mut threads = ctx.shared.threads.lock().unwrap_or_else(|poison| poison.into_inner());
        if !threads.contains_key(thread_id) {
            threads.insert(thread_id.to_owned(), handle);
            return Ok(());
        }
    }
    let (reply, _) = oneshot::channel();
    handle.send(ThreadCommand::Unload { reply });
    Err(error::thread_id_exists(thread_id))
}

/// Handles `thread/read` (PROTOCOL.md §4.4): a loaded thread from its actor, else from the store.
pub async fn read(ctx: &Ctx, params: ThreadReadParams, responder: Responder) {
    responder.send(read_thread(ctx, params).await);
}

async fn read_thread(ctx: &Ctx, params: ThreadReadParams) -> Result<ThreadReadResponse, RpcError> {
    let thread_id = ids::parse_thread_id(&params.thread_id)?;
    if let Some(thread) = loaded_snapshot(ctx, &thread_id, params.include_turns).await {
        if params.include_turns && thread.ephemeral {
            return Err(error::ephemeral_include_turns());
        }
        return Ok(ThreadReadResponse { thread, read_state: None });
    }
    let tail = if params.include_turns { None } else { Some(0) };
    let loaded = ctx
        .shared
        .thread_store
        .load(thread_id.clone(), tail)
        .await
        .map_err(|error| error::store_failed("read thread", error))?
        .ok_or_else(|| error::thread_not_loaded(&thread_id))?;
    let (stored, turns, _) = loaded.into_parts();
    let mut thread = stored.thread;
    thread.status = ThreadStatus::NotLoaded;
    thread.environments = None;
    thread.can_accept_direct_input = None;
    if params.include_turns {
        thread.turns = turns;
    }
    Ok(ThreadReadResponse { thread, read_state: None })
}

/// A loaded thread as its actor has it (`thread/read`'s view); `None` when it is not loaded or has
/// just stopped.
pub(crate) async fn loaded_snapshot(ctx: &Ctx, thread_id: &str, include_turns: bool) -> Option<Thread> {
    let handle = ctx.shared.loaded_thread(thread_id)?;
    let (reply, answer) = oneshot::channel();
    if !handle.send(ThreadCommand::Read { include_turns, reply }) {
        return None;
    }
    answer.await.ok()
}

/// Handles `thread/loaded/list` (PROTOCOL.md §4.6): loaded ids, sorted, paged by offset.
pub fn loaded_list(ctx: &Ctx, params: ThreadLoadedListParams, responder: Responder) {
    let mut ids: Vec<String> = {
        let threads = ctx.shared.threads.lock().unwrap_or_else(|poison| poison.into_inner());
        threads.keys().cloned().collect()
    };
    ids.sort();
    let offset = params.cursor.as_deref().and_then(|cursor| cursor.parse::<usize>().ok()).unwrap_or(0);
    let limit = params.limit.map_or(ids.len(), |limit| limit.max(1) as usize);
    let data: Vec<String> = ids.iter().skip(offset).take(limit).cloned().collect();
    let next = offset + data.len();
    let next_cursor = (next < ids.len()).then(|| next.to_string());
    responder.ok(ThreadLoadedListResponse { data, next_cursor });
}

/// Handles `thread/name/set` (PROTOCOL.md §4.10): a loaded thread's actor renames it; a thread
/// that is only stored is renamed in the store and the requester is told.
pub async fn name_set(ctx: &Ctx, params: ThreadNameSetParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    let name = params.name.trim().to_owned();
    if name.is_empty() {
        return responder.err(error::empty_thread_name());
    }
    if let Some(handle) = ctx.shared.loaded_thread(&thread_id) {
        match handle.send_or_return(ThreadCommand::SetName { name, responder }) {
            Ok(()) => return,
            Err(ThreadCommand::SetName { name, responder }) => {
                return rename_stored(&ctx.shared, thread_id, name, responder).await;
            }
            Err(_) => return,
        }
    }
    rename_stored(&ctx.shared, thread_id, name, responder).await;
}

/// Renames a thread that is not loaded in the store; the requester is told.
pub(crate) async fn rename_stored(shared: &EngineShared, thread_id: String, name: String, responder: Responder) {
    let store = &shared.thread_store;
    let renamed = async {
        let Some(loaded) = store.load(thread_id.clone(), Some(0)).await? else { return Ok(None) };
        let mut stored = loaded.stored;
        stored.thread.name = Some(name.clone());
        store.update(stored).await.map(Some)
    }
    .await;
    match renamed {
        Err(error) => responder.err(error::store_failed("rename thread", error)),
        Ok(None) => responder.err(error::thread_not_found(&thread_id)),
        Ok(Some(())) => {
            let outbox = responder.outbox.clone();
            responder.ok(ThreadNameSetResponse {});
            let notification = ServerNotification::ThreadNameUpdated(ThreadNameUpdatedNotification {
                thread_id,
                thread_name: Some(name),
            });
            outbox.notify(&notification, shared.now_ms());
        }
    }
}
