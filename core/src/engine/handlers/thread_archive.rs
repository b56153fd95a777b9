//! `thread/archive`, `thread/unarchive`, `thread/delete` (PROTOCOL.md §4.7, §4.8, §7.9): each
//! unloads or re-lists a thread in the store; notifications in 0.169's order (transcript 07).

use std::sync::Arc;

use tokio::sync::oneshot;

use crate::engine::connection::Ctx;
use crate::engine::outbox::{Outbox, Responder, broadcast, with_requester};
use crate::engine::thread_actor::ThreadCommand;
use crate::ids;
use crate::protocol::ServerNotification;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::thread::{
    EmptyResponse, ThreadIdNotification, ThreadIdParams, ThreadStatus, ThreadStatusChangedNotification,
    ThreadUnarchiveResponse,
};
use crate::store::StoredThread;

/// Handles `thread/archive`: `notLoaded` status (when it was loaded), the response, then
/// `thread/archived`. A loaded thread archives itself, so a refused write leaves it loaded.
pub async fn archive(ctx: &Ctx, params: ThreadIdParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    let stored = match stored_thread(ctx, &thread_id).await {
        Ok(Some(stored)) if !stored.archived && !stored.thread.ephemeral => stored,
        Ok(_) => return responder.err(error::no_rollout_found(&thread_id)),
        Err(error) => return responder.err(error),
    };
    let archived = match ask_loaded(ctx, &thread_id, |reply| ThreadCommand::Archive { reply }).await {
        Some(archived) => archived.map(Some),
        None => ctx.shared.thread_store.update(StoredThread { archived: true, ..stored }).await.map(|()| None),
    };
    let unloaded = match archived {
        Ok(unloaded) => unloaded,
        Err(error) => return responder.err(error::store_failed("archive thread", error)),
    };
    let was_loaded = unloaded.is_some();
    let recipients =
        with_requester(unloaded.map(|unloaded| unloaded.subscribers).unwrap_or_default(), &responder.outbox);
    if was_loaded {
        announce_not_loaded(ctx, &recipients, &thread_id);
    }
    responder.ok(EmptyResponse {});
    let done = ServerNotification::ThreadArchived(ThreadIdNotification { thread_id });
    broadcast(&recipients, &done, ctx.shared.now_ms());
}

/// Handles `thread/unarchive`: the response with the (not loaded) thread, then `thread/unarchived`.
pub async fn unarchive(ctx: &Ctx, params: ThreadIdParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    let mut stored = match stored_thread(ctx, &thread_id).await {
        Ok(Some(stored)) if stored.archived => stored,
        Ok(_) => return responder.err(error::no_archived_rollout_found(&thread_id)),
        Err(error) => return responder.err(error),
    };
    stored.archived = false;
    if let Err(error) = ctx.shared.thread_store.update(stored.clone()).await {
        return responder.err(error::store_failed("unarchive thread", error));
    }
    let mut thread = stored.thread;
    thread.status = ThreadStatus::NotLoaded;
    thread.environments = None;
    thread.can_accept_direct_input = None;
    let outbox = responder.outbox.clone();
    responder.ok(ThreadUnarchiveResponse { thread });
    outbox.notify(&ServerNotification::ThreadUnarchived(ThreadIdNotification { thread_id }), ctx.shared.now_ms());
}

/// Handles `thread/delete`: `notLoaded` status, the response, then `thread/deleted`. Queued turns
/// die with their thread. A loaded thread deletes itself, so a refused delete leaves it loaded.
pub async fn delete(ctx: &Ctx, params: ThreadIdParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    match stored_thread(ctx, &thread_id).await {
        Ok(Some(stored)) if !stored.thread.ephemeral => {}
        Ok(_) => return responder.err(error::no_rollout_found(&thread_id)),
        Err(error) => return responder.err(error),
    }
    let shared = &ctx.shared;
    let deleted = match ask_loaded(ctx, &thread_id, |reply| ThreadCommand::Delete { reply }).await {
        Some(deleted) => deleted.map(|(unloaded, existed)| (Some(unloaded), existed)),
        None => async {
            shared.queue_store.delete_thread(thread_id.clone()).await?;
            shared.thread_store.delete(thread_id.clone()).await
        }
        .await
        .map(|existed| (None, existed)),
    };
    let unloaded = match deleted {
        Err(error) => return responder.err(error::store_failed("delete thread", error)),
        Ok((_, false)) => return responder.err(error::no_rollout_found(&thread_id)),
        Ok((unloaded, true)) => unloaded,
    };
    // A dispatch write an earlier actor left owing is moot: the rows are gone.
    let _ = shared.take_unsettled_dispatch(&thread_id);
    let was_loaded = unloaded.is_some();
    let recipients =
        with_requester(unloaded.map(|unloaded| unloaded.subscribers).unwrap_or_default(), &responder.outbox);
    if was_loaded {
        announce_not_loaded(ctx, &recipients, &thread_id);
    }
    responder.ok(EmptyResponse {});
    broadcast(&recipients, &ServerNotification::ThreadDeleted(ThreadIdNotification { thread_id }), shared.now_ms());
}

/// The thread as stored, or as its actor holds it when loaded (an ephemeral thread is only there).
async fn stored_thread(ctx: &Ctx, thread_id: &str) -> Result<Option<StoredThread>, RpcError> {
    if let Some(handle) = ctx.shared.loaded_thread(thread_id) {
        let (reply, answer) = oneshot::channel();
        if handle.send(ThreadCommand::Read { include_turns: false, reply })
            && let Ok(thread) = answer.await
            && thread.ephemeral
        {
            return Ok(None);
        }
    }
    let loaded = ctx
        .shared
        .thread_store
        .load(thread_id.to_owned(), Some(0))
        .await
        .map_err(|error| error::store_failed("read thread", error))?;
    Ok(loaded.map(|loaded| loaded.stored))
}

/// Hands a loaded thread's actor the command `command` builds and awaits its reply; `None` if the
/// thread is not loaded (or stopped before answering).
async fn ask_loaded<T>(
    ctx: &Ctx,
    thread_id: &str,
    command: impl FnOnce(oneshot::Sender<T>) -> ThreadCommand,
) -> Option<T> {
    let handle = ctx.shared.loaded_thread(thread_id)?;
    let (reply, answer) = oneshot::channel();
    if !handle.send(command(reply)) {
        return None;
    }
    answer.await.ok()
}

fn announce_not_loaded(ctx: &Ctx, recipients: &[Arc<Outbox>], thread_id: &str) {
    let status = ServerNotification::ThreadStatusChanged(ThreadStatusChangedNotification {
        thread_id: thread_id.to_owned(),
        status: ThreadStatus::NotLoaded,
    });
    broadcast(recipients, &status, ctx.shared.now_ms());
}
