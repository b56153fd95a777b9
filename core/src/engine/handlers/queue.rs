//! `thread/queue/*` (PROTOCOL.md §6.1, experimental; `update` and `start` are Spindle
//! extensions): check the params, then hand the request to the thread's actor, which owns the
//! queue and answers. A thread that is not loaded answers `thread not found`.

use serde_json::Value;

use super::turn::send;
use crate::engine::connection::Ctx;
use crate::engine::cursor;
use crate::engine::outbox::Responder;
use crate::engine::thread_actor::{QueueRequest, ThreadCommand};
use crate::engine::turn_params;
use crate::ids;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::queue::{
    ThreadQueueAddParams, ThreadQueueDeleteParams, ThreadQueueListParams, ThreadQueueReorderParams,
    ThreadQueueStartParams, ThreadQueueUpdateParams,
};

/// Handles `thread/queue/add`: params checked as `turn/start` checks them, and naming this thread.
pub fn add(ctx: &Ctx, params: ThreadQueueAddParams, responder: Responder) {
    forward(ctx, &params.thread_id, responder, |thread_id| {
        let turn_id = queued_turn_id(thread_id, &params.turn_start_params)?;
        Ok(QueueRequest::Add { turn_start_params: params.turn_start_params, turn_id })
    });
}

/// Handles `thread/queue/list`: a decimal-offset cursor and the common page size rule.
pub fn list(ctx: &Ctx, params: ThreadQueueListParams, responder: Responder) {
    forward(ctx, &params.thread_id, responder, |_| {
        let offset = cursor::queue_offset(params.cursor.as_deref())?;
        Ok(QueueRequest::List { offset, limit: cursor::page_limit(params.limit) })
    });
}

/// Handles `thread/queue/delete`.
pub fn delete(ctx: &Ctx, params: ThreadQueueDeleteParams, responder: Responder) {
    forward(ctx, &params.thread_id, responder, |_| Ok(QueueRequest::Delete { queued_turn_id: params.queued_turn_id }));
}

/// Handles `thread/queue/reorder`.
pub fn reorder(ctx: &Ctx, params: ThreadQueueReorderParams, responder: Responder) {
    forward(ctx, &params.thread_id, responder, |_| {
        Ok(QueueRequest::Reorder { queued_turn_ids: params.queued_turn_ids })
    });
}

/// Handles `thread/queue/update` (Spindle extension): the new params are checked as `add` checks them.
pub fn update(ctx: &Ctx, params: ThreadQueueUpdateParams, responder: Responder) {
    forward(ctx, &params.thread_id, responder, |thread_id| {
        let turn_id = queued_turn_id(thread_id, &params.turn_start_params)?;
        let ThreadQueueUpdateParams { queued_turn_id, turn_start_params, .. } = params;
        Ok(QueueRequest::Update { queued_turn_id, turn_start_params, turn_id })
    });
}

/// Handles `thread/queue/start` (Spindle extension).
pub fn start(ctx: &Ctx, params: ThreadQueueStartParams, responder: Responder) {
    forward(ctx, &params.thread_id, responder, |_| Ok(QueueRequest::Start { queued_turn_id: params.queued_turn_id }));
}

/// Parses the thread id, builds the request for that (canonical) thread, and hands it to the
/// thread's actor; the first check that fails is the answer.
fn forward(
    ctx: &Ctx,
    thread_id: &str,
    responder: Responder,
    request: impl FnOnce(&str) -> Result<QueueRequest, RpcError>,
) {
    let checked = ids::parse_thread_id(thread_id).and_then(|thread_id| Ok((request(&thread_id)?, thread_id)));
    match checked {
        Ok((request, thread_id)) => send(ctx, &thread_id, ThreadCommand::Queue { request, responder }),
        Err(error) => responder.err(error),
    }
}

/// Checks the `turnStartParams` of a turn queued on `thread_id` (canonical) and returns its
/// caller turn id, canonical. Params that do not read as `turn/start` params fail as such a
/// request would (``Invalid request: missing field `input` ``).
fn queued_turn_id(thread_id: &str, turn_start_params: &Value) -> Result<Option<String>, RpcError> {
    let params = turn_params::read(turn_start_params).map_err(error::deserialize_failed)?;
    Ok(turn_params::check_queued(thread_id, params)?.turn_id)
}
