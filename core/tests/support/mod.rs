//! A native test host for the engine: a thread-pool executor, the system clock, and a connection
//! whose messages land in a channel the test reads with a deadline.

pub mod driver;
pub mod flaky;
pub mod golden;
pub mod hanging;
pub mod heard;
pub mod queue;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::executor::ThreadPool;
use serde_json::{Value, json};
use spindle_core::host::{BoxFut, Clock, Spawn, boxed};
use spindle_core::store::{QueueStore, ThreadStore};
use spindle_core::{Connection, Engine, EngineHost, EngineOptions, ModelTransport};

struct PoolSpawn(ThreadPool);

impl Spawn for PoolSpawn {
    fn spawn(&self, task: BoxFut<'static, ()>) {
        self.0.spawn_ok(task);
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }

    fn sleep(&self, ms: u64) -> BoxFut<'static, ()> {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            let _ = tx.send(());
        });
        boxed(async move {
            let _ = rx.await;
        })
    }
}

/// Builds an engine for tests; `None`s select the scripted model and memory stores.
pub fn engine(transport: Option<Arc<dyn ModelTransport>>, thread_store: Option<Arc<dyn ThreadStore>>) -> Engine {
    engine_with(test_options(), transport, thread_store)
}

/// The options [`engine`] uses: the transcripts' model and provider.
pub fn test_options() -> EngineOptions {
    EngineOptions { model: "mock-model".into(), model_provider: "mock_provider".into(), ..Default::default() }
}

/// Builds an engine for tests with these options.
pub fn engine_with(
    options: EngineOptions,
    transport: Option<Arc<dyn ModelTransport>>,
    thread_store: Option<Arc<dyn ThreadStore>>,
) -> Engine {
    engine_over(options, transport, thread_store, None)
}

/// Builds an engine for tests over these stores (`None`: memory).
pub fn engine_over(
    options: EngineOptions,
    transport: Option<Arc<dyn ModelTransport>>,
    thread_store: Option<Arc<dyn ThreadStore>>,
    queue_store: Option<Arc<dyn QueueStore>>,
) -> Engine {
    let host = EngineHost {
        spawn: Arc::new(PoolSpawn(ThreadPool::builder().pool_size(2).create().expect("thread pool"))),
        clock: Arc::new(SystemClock),
        transport,
        thread_store,
        queue_store,
    };
    Engine::new(options, host)
}

/// A connection and the messages it received.
pub struct Client {
    pub connection: Connection,
    inbox: mpsc::Receiver<String>,
    next_id: i64,
}

impl Client {
    pub fn connect(engine: &Engine) -> Client {
        let (tx, inbox) = mpsc::channel::<String>();
        let tx = std::sync::Mutex::new(tx);
        let connection = engine.connect(Arc::new(move |text: String| {
            let _ = tx.lock().unwrap().send(text);
        }));
        Client { connection, inbox, next_id: 1 }
    }

    /// A client that has initialized with experimental API on.
    pub fn initialized(engine: &Engine) -> Client {
        let mut client = Client::connect(engine);
        client.request("initialize", json!({"clientInfo": {"name": "tests", "title": null, "version": "1.0.0"}, "capabilities": {"experimentalApi": true}}));
        client
    }

    pub fn send(&self, message: Value) {
        self.connection.send(message.to_string()).expect("connection open");
    }

    /// The next message, or a panic after five seconds.
    pub fn next(&self) -> Value {
        let text = self.inbox.recv_timeout(Duration::from_secs(5)).expect("a message within 5 s");
        serde_json::from_str(&text).expect("valid JSON from the engine")
    }

    /// No message arrives within `ms`.
    pub fn assert_silent(&self, ms: u64) {
        if let Ok(text) = self.inbox.recv_timeout(Duration::from_millis(ms)) {
            panic!("unexpected message: {text}");
        }
    }

    /// Sends a request and returns its answer (`result` or `error` message).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"id": id, "method": method, "params": params}));
        let answer = self.next();
        assert_eq!(answer["id"], json!(id), "answer to {method}: {answer}");
        answer
    }

    /// Starts a thread with `params`, reads its `thread/started`, and returns its id.
    pub fn start_thread(&mut self, params: Value) -> String {
        let answer = self.request("thread/start", params);
        let started = self.next();
        assert_eq!(started["method"], json!("thread/started"), "{started}");
        answer["result"]["thread"]["id"].as_str().expect("a thread id").to_owned()
    }

    /// Reads messages up to and including the first for which `done` holds.
    pub fn until(&self, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut messages = Vec::new();
        loop {
            let message = self.next();
            let stop = done(&message);
            messages.push(message);
            if stop {
                return messages;
            }
        }
    }
}

/// Waits (up to five seconds) for something the engine does in the background, such as a
/// transport cancellation; panics naming `what` if it never happens.
pub fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// True for the notification `method`.
pub fn is(method: &'static str) -> impl Fn(&Value) -> bool {
    move |message| message["method"] == method
}

/// The methods of a message list (responses as `response`).
pub fn methods(messages: &[Value]) -> Vec<String> {
    messages.iter().map(|m| m["method"].as_str().map_or_else(|| "response".to_owned(), str::to_owned)).collect()
}

/// The scripted model, recording every request body it answers.
pub struct RecordingModel {
    inner: spindle_core::model::scripted::ScriptedModel,
    pub bodies: std::sync::Mutex<Vec<Value>>,
}

impl RecordingModel {
    /// The scripted model with no script: it echoes.
    pub fn new() -> Arc<RecordingModel> {
        RecordingModel::with_script(Default::default())
    }

    /// The scripted model playing `script`.
    pub fn with_script(script: spindle_core::model::script::ModelScript) -> Arc<RecordingModel> {
        let inner = spindle_core::model::scripted::ScriptedModel::new(Arc::new(SystemClock), 0, script);
        Arc::new(RecordingModel { inner, bodies: std::sync::Mutex::new(Vec::new()) })
    }
}

impl ModelTransport for RecordingModel {
    fn post(
        &self,
        request: spindle_core::ModelRequest,
    ) -> BoxFut<'_, Result<spindle_core::ModelResponseHead, spindle_core::HostError>> {
        self.bodies.lock().unwrap().push(serde_json::from_str(&request.body).unwrap_or(Value::Null));
        self.inner.post(request)
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, spindle_core::HostError>> {
        self.inner.read(id)
    }

    fn cancel(&self, id: u64) {
        self.inner.cancel(id)
    }
}

/// One scripted model response: SSE events, then either the end of the stream or a hang that
/// lasts until the request is cancelled.
#[derive(Clone)]
pub struct Reply {
    pub events: Vec<Value>,
    pub hang: bool,
    /// HTTP status and body text instead of a stream.
    pub status: Option<(u16, String)>,
    /// Raw body chunks sent after `events`, for streams no well-formed event can express.
    pub raw: Vec<String>,
    /// The transport rejects the request with this message instead of answering.
    pub rejects: Option<String>,
}

impl Reply {
    /// A response that streams `events` and ends.
    pub fn ends(events: Vec<Value>) -> Reply {
        Reply { events, hang: false, status: None, raw: Vec::new(), rejects: None }
    }

    /// A response that streams `events` and then waits for cancellation.
    pub fn hangs(events: Vec<Value>) -> Reply {
        Reply { hang: true, ..Reply::ends(events) }
    }

    /// An HTTP error answer with `body`.
    pub fn status(status: u16, body: &str) -> Reply {
        Reply { status: Some((status, body.to_owned())), ..Reply::ends(Vec::new()) }
    }

    /// A 200 stream of `events` followed by `raw` body text, then the end of the stream.
    pub fn raw(events: Vec<Value>, raw: &str) -> Reply {
        Reply { raw: vec![raw.to_owned()], ..Reply::ends(events) }
    }

    /// The transport fails the request (as a rejected `fetch` would) with `message`.
    pub fn rejects(message: &str) -> Reply {
        Reply { rejects: Some(message.to_owned()), ..Reply::ends(Vec::new()) }
    }
}

/// The events of a complete message reply `id` streaming `deltas`, with 10 in / 5 out tokens.
pub fn message_reply(id: &str, deltas: &[&str]) -> Vec<Value> {
    let mut events = vec![message_added(id)];
    events.extend(deltas.iter().map(|delta| text_delta(id, delta)));
    events.push(json!({"type": "response.output_item.done", "item": {"type": "message", "id": id, "role": "assistant",
        "content": [{"type": "output_text", "text": deltas.concat(), "annotations": []}]}}));
    events.push(completed());
    events
}

pub fn message_added(id: &str) -> Value {
    json!({"type": "response.output_item.added", "item": {"type": "message", "id": id, "role": "assistant", "content": []}})
}

pub fn text_delta(id: &str, delta: &str) -> Value {
    json!({"type": "response.output_text.delta", "item_id": id, "delta": delta})
}

pub fn completed() -> Value {
    json!({"type": "response.completed", "response": {"id": "resp", "usage":
        {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}}})
}

/// A request's frames still to send, and whether it hangs once they are sent.
type Stream = (std::collections::VecDeque<Vec<u8>>, bool);

/// A model transport that answers each request with the next [`Reply`], recording request bodies
/// and cancellations. A request beyond the script gets a closed stream.
pub struct ScriptModel {
    replies: std::sync::Mutex<std::collections::VecDeque<Reply>>,
    streams: std::sync::Mutex<std::collections::HashMap<u64, Stream>>,
    pub bodies: std::sync::Mutex<Vec<Value>>,
    pub cancelled: std::sync::Mutex<Vec<u64>>,
}

impl ScriptModel {
    pub fn new(replies: Vec<Reply>) -> Arc<ScriptModel> {
        Arc::new(ScriptModel {
            replies: std::sync::Mutex::new(replies.into()),
            streams: Default::default(),
            bodies: Default::default(),
            cancelled: Default::default(),
        })
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    /// Body chunks of open requests the engine has not read yet.
    pub fn unread_chunks(&self) -> usize {
        self.streams.lock().unwrap().values().map(|(frames, _)| frames.len()).sum()
    }
}

impl ModelTransport for ScriptModel {
    fn post(
        &self,
        request: spindle_core::ModelRequest,
    ) -> BoxFut<'_, Result<spindle_core::ModelResponseHead, spindle_core::HostError>> {
        self.bodies.lock().unwrap().push(serde_json::from_str(&request.body).unwrap_or(Value::Null));
        let reply = self.replies.lock().unwrap().pop_front().unwrap_or(Reply::ends(Vec::new()));
        let mut frames: std::collections::VecDeque<Vec<u8>> = reply
            .events
            .iter()
            .map(|event| format!("event: {}\ndata: {event}\n\n", event["type"].as_str().unwrap_or("")).into_bytes())
            .chain(reply.raw.iter().map(|raw| raw.clone().into_bytes()))
            .collect();
        if let Some(message) = reply.rejects {
            return boxed(async move { Err(spindle_core::HostError::new(message)) });
        }
        let status = match reply.status {
            Some((status, body)) => {
                frames.push_back(body.into_bytes());
                status
            }
            None => 200,
        };
        self.streams.lock().unwrap().insert(request.id, (frames, reply.hang));
        boxed(async move { Ok(spindle_core::ModelResponseHead { status, headers: std::collections::BTreeMap::new() }) })
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, spindle_core::HostError>> {
        let next = self.streams.lock().unwrap().get_mut(&id).map(|(frames, hang)| (frames.pop_front(), *hang));
        boxed(async move {
            match next {
                Some((Some(frame), _)) => Ok(Some(frame)),
                Some((None, true)) => futures::future::pending().await,
                _ => Ok(None),
            }
        })
    }

    fn cancel(&self, id: u64) {
        self.cancelled.lock().unwrap().push(id);
    }
}
