//! A connection: JSON-RPC text in, the initialize gate, experimental gating, and the one router
//! that sends each method to its handler.
//!
//! Messages are handled one at a time in arrival order by a task on the host's executor, so a
//! client sees answers in the order it asked. Handlers answer through a [`Responder`]; a handler
//! that involves a thread hands the responder to the thread's actor, which writes the response
//! before the notifications it causes.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::EngineShared;
use super::handlers;
use super::outbox::{Outbox, Responder};
use crate::host::{MaybeSend, MaybeSync};
use crate::protocol::jsonrpc::Incoming;
use crate::protocol::{ClientRequest, EXPERIMENTAL_METHODS, error};

/// Receives every outgoing message of a connection as one JSON text.
pub trait MessageSink: MaybeSend + MaybeSync {
    /// Delivers one message.
    fn deliver(&self, text: String);
}

impl<F: Fn(String) + MaybeSend + MaybeSync> MessageSink for F {
    fn deliver(&self, text: String) {
        self(text)
    }
}

/// The host's `onMessage` callback.
pub type OnMessage = Arc<dyn MessageSink>;

/// Returned by [`Connection::send`] after [`Connection::close`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("connection is closed")]
pub struct ConnectionClosed;

/// What a handler may use: the engine and the connection it answers on.
pub(crate) struct Ctx {
    pub shared: Arc<EngineShared>,
    pub outbox: Arc<Outbox>,
}

/// One client's connection to an engine.
pub struct Connection {
    inbox: Mutex<Option<mpsc::UnboundedSender<String>>>,
    outbox: Arc<Outbox>,
}

impl Connection {
    pub(crate) fn open(shared: Arc<EngineShared>, on_message: super::OnMessage) -> Connection {
        let (tx, rx) = mpsc::unbounded_channel();
        let outbox = Arc::new(Outbox::new(shared.next_id(), on_message));
        shared.register_connection(&outbox);
        let ctx = Ctx { shared: shared.clone(), outbox: outbox.clone() };
        shared.spawn.spawn(Box::pin(run(ctx, rx)));
        Connection { inbox: Mutex::new(Some(tx)), outbox }
    }

    /// Hands one JSON-RPC message to the engine; replies arrive through `onMessage`.
    pub fn send(&self, text: String) -> Result<(), ConnectionClosed> {
        let inbox = self.inbox.lock().unwrap_or_else(|poison| poison.into_inner());
        match inbox.as_ref() {
            Some(tx) => tx.send(text).map_err(|_| ConnectionClosed),
            None => Err(ConnectionClosed),
        }
    }

    /// Closes the connection: nothing more is delivered and `send` fails from now on.
    pub fn close(&self) {
        self.outbox.close();
        self.inbox.lock().unwrap_or_else(|poison| poison.into_inner()).take();
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

async fn run(ctx: Ctx, mut rx: mpsc::UnboundedReceiver<String>) {
    while let Some(text) = rx.recv().await {
        if ctx.outbox.is_closed() {
            break;
        }
        handle(&ctx, &text).await;
    }
}

async fn handle(ctx: &Ctx, text: &str) {
    match Incoming::parse(text) {
        // Invalid JSON, `"id": null` and bare ids get no reply at all (transcript 09).
        None => {}
        // `initialized` is not required and unknown notifications are ignored (PROTOCOL.md §2).
        Some(Incoming::Notification { .. }) => {}
        // Answers to server requests (`item/tool/call`) go to whoever waits for them.
        Some(Incoming::Response { id, result }) => ctx.outbox.answer(&id, Ok(result)),
        Some(Incoming::ErrorResponse { id, error }) => ctx.outbox.answer(&id, Err(error)),
        Some(Incoming::Request { id, method, params }) => {
            let responder = Responder { outbox: ctx.outbox.clone(), id };
            if let Err(error) = admit(ctx, &method) {
                return responder.err(error);
            }
            let request = match ClientRequest::parse(&method, params) {
                Ok(request) => request,
                Err(error) => return responder.err(error),
            };
            if let Some((method, field)) = request.experimental_field()
                && !experimental(ctx)
            {
                return responder.err(error::experimental_field(method, field));
            }
            route(ctx, request, responder).await;
        }
    }
}

/// The initialize gate and experimental method gating (PROTOCOL.md §2).
fn admit(ctx: &Ctx, method: &str) -> Result<(), crate::protocol::jsonrpc::RpcError> {
    if method != "initialize" && ctx.outbox.session().is_none() {
        return Err(error::not_initialized());
    }
    if EXPERIMENTAL_METHODS.contains(&method) && !experimental(ctx) {
        return Err(error::experimental_method(method));
    }
    Ok(())
}

fn experimental(ctx: &Ctx) -> bool {
    ctx.outbox.session().is_some_and(|session| session.experimental_api)
}

/// One arm per method, each a single call.
async fn route(ctx: &Ctx, request: ClientRequest, responder: Responder) {
    match request {
        ClientRequest::Initialize(params) => handlers::initialize::initialize(ctx, params, responder),
        ClientRequest::ThreadStart(params) => handlers::thread::start(ctx, params, responder).await,
        ClientRequest::ThreadResume(params) => handlers::thread_resume::resume(ctx, params, responder).await,
        ClientRequest::ThreadFork(params) => handlers::thread_fork::fork(ctx, params, responder).await,
        ClientRequest::ThreadRead(params) => handlers::thread::read(ctx, params, responder).await,
        ClientRequest::ThreadList(params) => handlers::thread_list::list(ctx, params, responder).await,
        ClientRequest::ThreadLoadedList(params) => handlers::thread::loaded_list(ctx, params, responder),
        ClientRequest::ThreadArchive(params) => handlers::thread_archive::archive(ctx, params, responder).await,
        ClientRequest::ThreadUnarchive(params) => handlers::thread_archive::unarchive(ctx, params, responder).await,
        ClientRequest::ThreadDelete(params) => handlers::thread_archive::delete(ctx, params, responder).await,
        ClientRequest::ThreadUnsubscribe(params) => handlers::thread_unsubscribe::unsubscribe(ctx, params, responder),
        ClientRequest::ThreadNameSet(params) => handlers::thread::name_set(ctx, params, responder).await,
        ClientRequest::ThreadCompactStart(params) => handlers::turn::compact(ctx, params, responder),
        ClientRequest::ThreadTurnsList(params) => handlers::thread_turns_list::list(ctx, params, responder).await,
        ClientRequest::ThreadQueueAdd(params) => handlers::queue::add(ctx, params, responder),
        ClientRequest::ThreadQueueList(params) => handlers::queue::list(ctx, params, responder),
        ClientRequest::ThreadQueueDelete(params) => handlers::queue::delete(ctx, params, responder),
        ClientRequest::ThreadQueueReorder(params) => handlers::queue::reorder(ctx, params, responder),
        ClientRequest::ThreadQueueUpdate(params) => handlers::queue::update(ctx, params, responder),
        ClientRequest::ThreadQueueStart(params) => handlers::queue::start(ctx, params, responder),
        ClientRequest::TurnStart(params) => handlers::turn::start(ctx, params, responder),
        ClientRequest::TurnSteer(params) => handlers::turn::steer(ctx, params, responder),
        ClientRequest::TurnInterrupt(params) => handlers::turn::interrupt(ctx, params, responder),
        ClientRequest::ModelList(params) => handlers::model::list(ctx, params, responder),
    }
}
