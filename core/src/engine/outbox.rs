//! A connection's outgoing side: its client session after `initialize`, and the one ordered path
//! by which responses and notifications reach the host's `onMessage`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;

use super::connection::OnMessage;
use crate::protocol::initialize::ClientInfo;
use crate::protocol::jsonrpc::{RequestId, RpcError, encode_error, encode_response, encode_server_request};
use crate::protocol::{EXPERIMENTAL_NOTIFICATIONS, ServerNotification, error};

/// What `initialize` established for a connection.
pub(crate) struct ClientSession {
    pub client_info: ClientInfo,
    pub experimental_api: bool,
    pub opt_out: HashSet<String>,
    pub user_agent: String,
}

/// The sending half of one connection.
pub(crate) struct Outbox {
    pub id: u64,
    on_message: OnMessage,
    session: OnceLock<ClientSession>,
    closed: AtomicBool,
    /// Server→client request ids count from 0 per connection (PROTOCOL.md §1.2).
    next_server_request_id: AtomicI64,
    /// Server requests waiting for the client's answer, by id.
    pending: Mutex<HashMap<i64, oneshot::Sender<ClientAnswer>>>,
}

/// The client's answer to a server request: its `result`, or its `error` object.
pub(crate) type ClientAnswer = Result<Value, Value>;

impl Outbox {
    pub fn new(id: u64, on_message: OnMessage) -> Outbox {
        Outbox {
            id,
            on_message,
            session: OnceLock::new(),
            closed: AtomicBool::new(false),
            next_server_request_id: AtomicI64::new(0),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// The session, once `initialize` succeeded.
    pub fn session(&self) -> Option<&ClientSession> {
        self.session.get()
    }

    /// Records the session; `false` if the connection was already initialized.
    pub fn initialize(&self, session: ClientSession) -> bool {
        self.session.set(session).is_ok()
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        // Whoever waits for this client's answers learns that none will come.
        self.pending.lock().unwrap_or_else(|poison| poison.into_inner()).clear();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn deliver(&self, text: String) {
        if !self.is_closed() {
            self.on_message.deliver(text);
        }
    }

    /// Sends a notification already encoded as `text`, unless this connection opted out of it or
    /// may not see it: experimental notifications go only to connections that opted into
    /// `experimentalApi`.
    pub fn notify_encoded(&self, method: &str, text: &str) {
        let hidden = |session: &ClientSession| {
            session.opt_out.contains(method)
                || (!session.experimental_api && EXPERIMENTAL_NOTIFICATIONS.contains(&method))
        };
        if self.session().is_some_and(hidden) {
            return;
        }
        self.deliver(text.to_owned());
    }

    /// Sends a server request; the receiver gets the client's answer, or is dropped if the
    /// request is forgotten or the connection closes first.
    pub fn request(&self, method: &str, params: Value) -> (i64, oneshot::Receiver<ClientAnswer>) {
        let id = self.next_server_request_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|poison| poison.into_inner()).insert(id, tx);
        self.deliver(encode_server_request(id, method, params));
        (id, rx)
    }

    /// Hands the client's answer to whoever waits for it. An answer matching no pending request
    /// (unknown, string or already answered id) is ignored, as 0.169 does (PROTOCOL.md §1.2).
    pub fn answer(&self, id: &RequestId, answer: ClientAnswer) {
        let RequestId::Integer(id) = id else { return };
        let waiter = self.pending.lock().unwrap_or_else(|poison| poison.into_inner()).remove(id);
        if let Some(waiter) = waiter {
            let _ = waiter.send(answer);
        }
    }

    /// Stops waiting for server request `id`: a late answer is then ignored.
    pub fn forget(&self, id: i64) {
        self.pending.lock().unwrap_or_else(|poison| poison.into_inner()).remove(&id);
    }

    /// Encodes and sends one notification.
    pub fn notify(&self, notification: &ServerNotification, now_ms: i64) {
        self.notify_encoded(notification.method(), &notification.encode(now_ms));
    }
}

/// Sends one notification to every subscriber, encoding it once.
pub(crate) fn broadcast(subscribers: &[Arc<Outbox>], notification: &ServerNotification, now_ms: i64) {
    let text = notification.encode(now_ms);
    for outbox in subscribers {
        outbox.notify_encoded(notification.method(), &text);
    }
}

/// `subscribers` plus `requester`, each once: who hears about a change a request made.
pub(crate) fn with_requester(mut subscribers: Vec<Arc<Outbox>>, requester: &Arc<Outbox>) -> Vec<Arc<Outbox>> {
    if !subscribers.iter().any(|outbox| outbox.id == requester.id) {
        subscribers.push(requester.clone());
    }
    subscribers
}

/// The one way to answer a request: carries the id and the connection to answer on.
pub(crate) struct Responder {
    pub outbox: Arc<Outbox>,
    pub id: RequestId,
}

impl Responder {
    /// Sends `{"id", "result"}`.
    pub fn ok(self, result: impl Serialize) {
        match encode_response(&self.id, &result) {
            Ok(text) => self.outbox.deliver(text),
            Err(err) => self.err(error::internal_error(format!("failed to serialize response: {err}"))),
        }
    }

    /// Sends `{"error", "id"}`.
    pub fn err(self, error: RpcError) {
        self.outbox.deliver(encode_error(&self.id, &error));
    }

    /// Sends either.
    pub fn send<T: Serialize>(self, result: Result<T, RpcError>) {
        match result {
            Ok(value) => self.ok(value),
            Err(error) => self.err(error),
        }
    }
}
