//! `turn/*` handlers.
use crate::engine::connection::Ctx;
use crate::engine::outbox::Responder;
use crate::protocol::error;
use crate::protocol::turn::TurnStartParams;

pub async fn start(_ctx: &Ctx, _params: TurnStartParams, responder: Responder) {
    responder.err(error::internal_error("in progress"))
}
