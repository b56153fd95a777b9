//! `turn/*` handlers: validate, then hand the turn to its thread's actor (PROTOCOL.md §4.14).

use crate::engine::connection::Ctx;
use crate::engine::outbox::Responder;
use crate::engine::thread_actor::{ThreadCommand, TurnRequest};
use crate::ids;
use crate::protocol::error;
use crate::protocol::item::UserInput;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::turn::{TurnInterruptParams, TurnStartParams};

/// Handles `turn/start`: the actor answers, then emits the turn's notifications.
pub async fn start(ctx: &Ctx, params: TurnStartParams, responder: Responder) {
    let request = match validate(ctx, params) {
        Ok(request) => request,
        Err(error) => return responder.err(error),
    };
    let (thread_id, request) = request;
    let Some(handle) = ctx.shared.loaded_thread(&thread_id) else {
        return responder.err(error::thread_not_found(&thread_id));
    };
    if let Err(ThreadCommand::StartTurn { responder, .. }) =
        handle.send_or_return(ThreadCommand::StartTurn { request, responder })
    {
        responder.err(error::thread_not_found(&thread_id));
    }
}

/// Handles `turn/interrupt` (PROTOCOL.md §4.16): the actor answers once the turn has stopped.
pub fn interrupt(ctx: &Ctx, params: TurnInterruptParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    let Some(handle) = ctx.shared.loaded_thread(&thread_id) else {
        return responder.err(error::thread_not_found(&thread_id));
    };
    if let Err(ThreadCommand::Interrupt { responder, .. }) =
        handle.send_or_return(ThreadCommand::Interrupt { turn_id: params.turn_id, responder })
    {
        responder.err(error::thread_not_found(&thread_id));
    }
}

fn validate(ctx: &Ctx, mut params: TurnStartParams) -> Result<(String, TurnRequest), RpcError> {
    let thread_id = ids::parse_thread_id(&params.thread_id)?;
    params.thread_id = thread_id.clone();
    let turn_id = params.turn_id.as_deref().map(ids::parse_turn_id).transpose()?;
    for part in &params.input {
        if let UserInput::Image { url, .. } = part
            && !url.starts_with("data:")
        {
            return Err(error::remote_image_url());
        }
    }
    let user_agent = ctx.outbox.session().map(|session| session.user_agent.clone()).unwrap_or_default();
    Ok((thread_id, TurnRequest { params, turn_id, user_agent }))
}
