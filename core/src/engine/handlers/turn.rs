//! Handlers that start or steer turns: validate, then hand the request to its thread's actor,
//! which answers (PROTOCOL.md §4.11, §4.14–§4.16).

use crate::engine::connection::Ctx;
use crate::engine::outbox::Responder;
use crate::engine::thread_actor::{ThreadCommand, TurnRequest};
use crate::engine::turn_params::{self, check_input};
use crate::ids;
use crate::protocol::error;
use crate::protocol::thread::ThreadIdParams;
use crate::protocol::turn::{TurnInterruptParams, TurnStartParams, TurnSteerParams};

/// Handles `turn/start`: the actor answers, then emits the turn's notifications.
pub fn start(ctx: &Ctx, params: TurnStartParams, responder: Responder) {
    let checked = match turn_params::check(params) {
        Ok(checked) => checked,
        Err(error) => return responder.err(error),
    };
    let thread_id = checked.thread_id;
    let user_agent = ctx.outbox.session().map(|session| session.user_agent.clone()).unwrap_or_default();
    let request = TurnRequest { params: checked.params, turn_id: checked.turn_id, user_agent };
    send(ctx, &thread_id, ThreadCommand::StartTurn { request, responder });
}

/// Handles `turn/steer` (PROTOCOL.md §4.15).
pub fn steer(ctx: &Ctx, params: TurnSteerParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id).and_then(|id| check_input(&params.input).map(|()| id))
    {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    let TurnSteerParams { input, expected_turn_id, client_user_message_id, .. } = params;
    send(
        ctx,
        &thread_id,
        ThreadCommand::Steer { input, client_id: client_user_message_id, expected_turn_id, responder },
    );
}

/// Handles `turn/interrupt` (PROTOCOL.md §4.16): the actor answers once the turn has stopped.
pub fn interrupt(ctx: &Ctx, params: TurnInterruptParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    send(ctx, &thread_id, ThreadCommand::Interrupt { turn_id: params.turn_id, responder });
}

/// Handles `thread/compact/start` (PROTOCOL.md §4.11): a compaction turn on a loaded thread.
pub fn compact(ctx: &Ctx, params: ThreadIdParams, responder: Responder) {
    let thread_id = match ids::parse_thread_id(&params.thread_id) {
        Ok(thread_id) => thread_id,
        Err(error) => return responder.err(error),
    };
    send(ctx, &thread_id, ThreadCommand::Compact { responder });
}

/// Hands a request to a loaded thread's actor; turn requests on other threads fail with
/// `thread not found` (PROTOCOL.md §1.3).
pub(super) fn send(ctx: &Ctx, thread_id: &str, command: ThreadCommand) {
    match ctx.shared.loaded_thread(thread_id) {
        Some(handle) => handle.send_request(thread_id, command),
        None => {
            if let Some(responder) = command.into_responder() {
                responder.err(error::thread_not_found(thread_id));
            }
        }
    }
}
