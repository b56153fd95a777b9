//! One model request of a turn: POST through the host transport, decode the SSE stream, and
//! forward each Responses event to the thread's actor. Owns no thread state.
//!
//! The runner stops when the actor drops the turn's cancel handle (interrupt, steer, or the turn
//! ended); it then tells the transport to abort the HTTP request, so nothing more arrives. After
//! `response.completed` it still reads the body to its end (or until cancelled), so the transport
//! lets go of every response.

use std::sync::Arc;

use futures::future::{Either, select};
use tokio::sync::{mpsc, oneshot};

use super::thread_actor::ThreadCommand;
use crate::host::{ModelRequest, ModelTransport};
use crate::model::events::{self, ResponsesEvent};
use crate::model::failure;
use crate::model::sse::SseDecoder;
use crate::protocol::turn::TurnError;

/// The longest error body kept from a failed HTTP response.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What a runner reports to its thread's actor.
#[derive(Debug)]
pub(crate) enum RunnerEvent {
    /// One decoded stream event, in stream order.
    Stream(ResponsesEvent),
    /// The request failed; no more events follow. `retry` says whether trying again may help.
    Failed { error: TurnError, retry: Retry },
}

/// Which retry budget a failed request may draw on (PROTOCOL.md §7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// The answer itself is final (4xx, 429, `response.failed`, `response.incomplete`).
    Never,
    /// Nothing was streamed: the request failed (5xx, transport error); retried silently.
    Request,
    /// The stream broke before `response.completed`; retried with a notice.
    Stream,
}

/// Everything one model request needs.
pub(crate) struct ModelCall {
    pub transport: Arc<dyn ModelTransport>,
    pub request: ModelRequest,
    pub actor: mpsc::UnboundedSender<ThreadCommand>,
    pub cancel: oneshot::Receiver<()>,
}

/// Runs one model request to its end, or until cancelled.
pub(crate) async fn run(call: ModelCall) {
    let ModelCall { transport, request, actor, mut cancel } = call;
    let request_id = request.id;
    let report = |event: RunnerEvent| {
        // The actor is gone only when the thread was unloaded; then nobody needs the event.
        let _ = actor.send(ThreadCommand::Model { request_id, event });
    };
    let outcome = async {
        let head = match until_cancelled(transport.post(request), &mut cancel).await {
            None => return Outcome::Cancelled,
            Some(Err(error)) => return Outcome::Failed(failure::transport_failed(&error.0), Retry::Request),
            Some(Ok(head)) => head,
        };
        if !(200..300).contains(&head.status) {
            let mut body = Vec::new();
            loop {
                match until_cancelled(transport.read(request_id), &mut cancel).await {
                    None => return Outcome::Cancelled,
                    Some(Ok(Some(chunk))) if body.len() < ERROR_BODY_LIMIT => body.extend_from_slice(&chunk),
                    Some(Ok(Some(_))) => {}
                    Some(Ok(None)) | Some(Err(_)) => break,
                }
            }
            let retry = if head.status >= 500 { Retry::Request } else { Retry::Never };
            return Outcome::Failed(failure::http_status(head.status, &String::from_utf8_lossy(&body)), retry);
        }
        let mut decoder = SseDecoder::new();
        loop {
            let chunk = match until_cancelled(transport.read(request_id), &mut cancel).await {
                None => return Outcome::Cancelled,
                Some(Err(error)) => return Outcome::Failed(failure::stream_disconnected(&error.0), Retry::Stream),
                Some(Ok(None)) => return Outcome::Failed(failure::stream_closed_early(), Retry::Stream),
                Some(Ok(Some(chunk))) => chunk,
            };
            for sse in decoder.push(&chunk) {
                match events::decode(&sse) {
                    // 0.169 skips an event whose data is not JSON and reads on; if the stream then
                    // ends without `response.completed`, the closed-stream failure applies.
                    Err(_) | Ok(ResponsesEvent::Ignored) => {}
                    Ok(ResponsesEvent::Failed { message }) => {
                        return Outcome::Failed(failure::stream_disconnected(&message), Retry::Never);
                    }
                    Ok(ResponsesEvent::StreamError { message }) => {
                        return Outcome::Failed(failure::stream_disconnected(&message), Retry::Never);
                    }
                    Ok(ResponsesEvent::Incomplete { reason }) => {
                        return Outcome::Failed(failure::incomplete(&reason), Retry::Never);
                    }
                    Ok(event @ ResponsesEvent::Completed { .. }) => {
                        report(RunnerEvent::Stream(event));
                        return Outcome::Completed;
                    }
                    Ok(event) => report(RunnerEvent::Stream(event)),
                }
            }
        }
    }
    .await;
    match outcome {
        Outcome::Completed => read_to_end(&*transport, request_id, &mut cancel).await,
        Outcome::Cancelled => transport.cancel(request_id),
        Outcome::Failed(error, retry) => {
            transport.cancel(request_id);
            report(RunnerEvent::Failed { error, retry });
        }
    }
}

/// Reads what follows `response.completed` (normally just the end of the body), so the host
/// transport sees the stream end and releases the request; without it a host that keeps open
/// requests until their end (the `fetch` transport) would keep one per turn for good. A body that
/// goes on, or a turn that ends first, is cancelled instead.
async fn read_to_end(transport: &dyn ModelTransport, request_id: u64, cancel: &mut oneshot::Receiver<()>) {
    for _ in 0..TRAILING_READS {
        match until_cancelled(transport.read(request_id), cancel).await {
            Some(Ok(Some(_))) => {}
            Some(Ok(None)) | Some(Err(_)) => return,
            None => break,
        }
    }
    transport.cancel(request_id);
}

/// How many chunks after `response.completed` are read before the rest is cancelled.
const TRAILING_READS: usize = 4;

enum Outcome {
    Completed,
    Cancelled,
    Failed(TurnError, Retry),
}

/// Awaits `future` unless the cancel handle fires (or is dropped) first.
async fn until_cancelled<F: std::future::Future + Unpin>(
    future: F,
    cancel: &mut oneshot::Receiver<()>,
) -> Option<F::Output> {
    match select(future, cancel).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}
