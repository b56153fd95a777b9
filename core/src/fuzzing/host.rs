//! A deterministic host for the fuzz targets: one thread runs every task until none can move, the
//! clock ticks only when read, and the model answers from a script, optionally one chunk at a time.
//!
//! Determinism is the point: a crash input must replay the same way under `cargo test`, and a
//! panic inside any engine task must surface in the fuzzer's thread, which a thread pool would hide.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use serde_json::{Value, json};

use crate::host::{BoxFut, Clock, HostError, ModelRequest, ModelResponseHead, ModelTransport, Spawn, boxed};
use crate::{Connection, Engine, EngineHost, EngineOptions};

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Tasks the engine spawned and the harness has not yet handed to its pool.
#[derive(Default)]
struct TaskQueue(Mutex<Vec<BoxFut<'static, ()>>>);

impl Spawn for TaskQueue {
    fn spawn(&self, task: BoxFut<'static, ()>) {
        lock(&self.0).push(task);
    }
}

/// A clock that moves one millisecond per reading and whose sleeps end at once (retry backoff).
struct StepClock(AtomicI64);

impl Clock for StepClock {
    fn now_ms(&self) -> i64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }

    fn sleep(&self, _ms: u64) -> BoxFut<'static, ()> {
        boxed(async {})
    }
}

/// One scripted model answer: the HTTP status and the body, already cut into chunks.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub status: u16,
    pub chunks: Vec<Vec<u8>>,
}

/// A model transport that answers requests in order from a script (then with `fallback`). When
/// gated, body chunks wait for [`ScriptedTransport::release`], so a turn stays mid-stream while
/// the client acts.
pub(super) struct ScriptedTransport {
    state: Mutex<TransportState>,
}

struct TransportState {
    answers: VecDeque<Answer>,
    fallback: Answer,
    /// Body chunks still to read, by request id; a cancelled request has none.
    streams: HashMap<u64, VecDeque<Vec<u8>>>,
    /// Chunks the gate lets through; `None` when open.
    credits: Option<usize>,
    waiting: Vec<Waker>,
}

impl ScriptedTransport {
    pub fn new(answers: Vec<Answer>, fallback: Answer, gated: bool) -> Arc<ScriptedTransport> {
        let state = TransportState {
            answers: answers.into(),
            fallback,
            streams: HashMap::new(),
            credits: gated.then_some(0),
            waiting: Vec::new(),
        };
        Arc::new(ScriptedTransport { state: Mutex::new(state) })
    }

    /// Lets `chunks` more body chunks through a gated transport.
    pub fn release(&self, chunks: usize) {
        let mut state = lock(&self.state);
        if let Some(credits) = state.credits.as_mut() {
            *credits = credits.saturating_add(chunks);
        }
        wake_all(&mut state);
    }

    /// Opens the gate for good.
    pub fn open(&self) {
        let mut state = lock(&self.state);
        state.credits = None;
        wake_all(&mut state);
    }
}

fn wake_all(state: &mut TransportState) {
    for waker in state.waiting.drain(..) {
        waker.wake();
    }
}

impl ModelTransport for ScriptedTransport {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> {
        let mut state = lock(&self.state);
        let answer = state.answers.pop_front().unwrap_or_else(|| state.fallback.clone());
        state.streams.insert(request.id, answer.chunks.into());
        let head = ModelResponseHead { status: answer.status, headers: Default::default() };
        boxed(async move { Ok(head) })
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>> {
        boxed(futures::future::poll_fn(move |cx| {
            let mut state = lock(&self.state);
            let state = &mut *state;
            let Some(stream) = state.streams.get_mut(&id) else {
                return Poll::Ready(Err(HostError::new("request cancelled")));
            };
            if stream.is_empty() {
                state.streams.remove(&id);
                return Poll::Ready(Ok(None));
            }
            match state.credits.as_mut() {
                Some(0) => {
                    state.waiting.push(cx.waker().clone());
                    return Poll::Pending;
                }
                Some(credits) => *credits -= 1,
                None => {}
            }
            Poll::Ready(Ok(stream.pop_front()))
        }))
    }

    fn cancel(&self, id: u64) {
        let mut state = lock(&self.state);
        state.streams.remove(&id);
        wake_all(&mut state);
    }
}

/// An engine on the deterministic host, and the pool that runs its tasks.
pub(super) struct Harness {
    pool: LocalPool,
    tasks: Arc<TaskQueue>,
    pub engine: Engine,
}

impl Harness {
    pub fn new(options: EngineOptions, transport: Arc<ScriptedTransport>) -> Harness {
        let tasks = Arc::new(TaskQueue::default());
        let host = EngineHost {
            spawn: tasks.clone(),
            clock: Arc::new(StepClock(AtomicI64::new(1_700_000_000_000))),
            transport: Some(transport),
            thread_store: None,
            queue_store: None,
        };
        Harness { pool: LocalPool::new(), tasks, engine: Engine::new(options, host) }
    }

    /// Runs `task` on the harness's pool (from the next [`Harness::settle`]).
    pub fn spawn(&self, task: BoxFut<'static, ()>) {
        self.tasks.spawn(task);
    }

    /// Runs every task until none can make progress. A panic in any task surfaces here.
    pub fn settle(&mut self) {
        loop {
            let tasks = std::mem::take(&mut *lock(&self.tasks.0));
            let spawner = self.pool.spawner();
            for task in tasks {
                // Fails only for a pool that is shutting down, which this one never is.
                let _ = spawner.spawn_local(task);
            }
            self.pool.run_until_stalled();
            if lock(&self.tasks.0).is_empty() {
                return;
            }
        }
    }

    /// Opens a connection whose messages collect in its inbox.
    pub fn connect(&self) -> Client {
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let sink = inbox.clone();
        let connection = self.engine.connect(Arc::new(move |text: String| lock(&sink).push(text)));
        Client { connection, inbox, next_id: 0 }
    }

    /// Sends a request, runs the engine, and returns the answer to it (panics when none came).
    pub fn request(&mut self, client: &mut Client, method: &str, params: Value) -> Value {
        self.exchange(client, method, params).0
    }

    /// Like [`Harness::request`], also returning every other message that arrived meanwhile.
    pub fn exchange(&mut self, client: &mut Client, method: &str, params: Value) -> (Value, Vec<Value>) {
        client.next_id += 1;
        let id = format!("harness-{}", client.next_id);
        client.send(json!({"id": id, "method": method, "params": params}).to_string());
        self.settle();
        let (answers, others): (Vec<Value>, Vec<Value>) =
            client.take().into_iter().partition(|message| message["id"] == id && !is_server_request(message));
        match answers.into_iter().next() {
            Some(answer) => (answer, others),
            None => panic!("no answer to {method}"),
        }
    }
}

/// A client's end of one connection.
pub(super) struct Client {
    pub connection: Connection,
    inbox: Arc<Mutex<Vec<String>>>,
    next_id: u64,
}

impl Client {
    /// Sends one line; a closed connection drops it, as a host's would.
    pub fn send(&self, text: String) {
        let _ = self.connection.send(text);
    }

    /// The messages received since the last call. The engine only ever writes JSON objects.
    pub fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *lock(&self.inbox))
            .into_iter()
            .map(|text| match serde_json::from_str::<Value>(&text) {
                Ok(message @ Value::Object(_)) => message,
                _ => panic!("the engine wrote a message that is not a JSON object: {text}"),
            })
            .collect()
    }
}

/// `initialize` params with `experimentalApi` on.
pub(super) fn initialize_params() -> Value {
    json!({"clientInfo": {"name": "fuzz", "title": null, "version": "0"}, "capabilities": {"experimentalApi": true}})
}

/// A server request the client answers: `item/tool/call`'s success result.
pub(super) fn tool_call_answer(id: &Value) -> String {
    json!({"id": id, "result": {"contentItems": [{"type": "inputText", "text": "ok"}], "success": true}}).to_string()
}

/// The tools threads under fuzz declare: the two shapes of transcript 05b.
pub(super) fn dynamic_tools() -> Value {
    json!([
        {"type": "function", "name": "lookup_ticket", "description": "Fetch a ticket",
         "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
        {"type": "namespace", "name": "crm", "description": "CRM tools", "tools": [
            {"type": "function", "name": "find_customer", "description": "Find", "inputSchema": {"type": "object"}}]}
    ])
}

/// True for a server→client request (it has both `method` and `id`).
pub(super) fn is_server_request(message: &Value) -> bool {
    message.get("method").is_some() && message.get("id").is_some()
}
