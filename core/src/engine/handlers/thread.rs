//! `thread/*` handlers.
use crate::engine::connection::Ctx;
use crate::engine::outbox::Responder;
use crate::protocol::error;
use crate::protocol::thread::{ThreadLoadedListParams, ThreadReadParams, ThreadStartParams};

pub async fn start(_ctx: &Ctx, _params: ThreadStartParams, responder: Responder) {
    responder.err(error::internal_error("in progress"))
}
pub async fn read(_ctx: &Ctx, _params: ThreadReadParams, responder: Responder) {
    responder.err(error::internal_error("in progress"))
}
pub fn loaded_list(_ctx: &Ctx, _params: ThreadLoadedListParams, responder: Responder) {
    responder.err(error::internal_error("in progress"))
}
