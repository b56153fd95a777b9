//! `thread/unsubscribe` (PROTOCOL.md §4.9, transcript 08): the connection stops hearing a thread,
//! which stays loaded until the host unloads it.

use crate::engine::connection::Ctx;
use crate::engine::outbox::Responder;
use crate::engine::thread_actor::ThreadCommand;
use crate::ids;
use crate::protocol::thread::{ThreadIdParams, ThreadUnsubscribeResponse, ThreadUnsubscribeStatus};

/// Handles `thread/unsubscribe`: the thread's actor answers `unsubscribed` or `notSubscribed`;
/// a thread that is not loaded answers `notLoaded`.
pub fn unsubscribe(ctx: &Ctx, params: ThreadIdParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    let not_loaded = ThreadUnsubscribeResponse { status: ThreadUnsubscribeStatus::NotLoaded };
    let Some(handle) = ctx.shared.loaded_thread(&thread_id) else {
        return responder.ok(not_loaded);
    };
    if let Err(ThreadCommand::Unsubscribe { responder }) =
        handle.send_or_return(ThreadCommand::Unsubscribe { responder })
    {
        responder.ok(not_loaded);
    }
}
