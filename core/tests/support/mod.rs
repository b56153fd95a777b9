//! A native test host for the engine: a thread-pool executor, the system clock, and a connection
//! whose messages land in a channel the test reads with a deadline.

pub mod hanging;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::executor::ThreadPool;
use serde_json::{Value, json};
use spindle_core::host::{BoxFut, Clock, Spawn, boxed};
use spindle_core::store::ThreadStore;
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
    let options =
        EngineOptions { model: "mock-model".into(), model_provider: "mock_provider".into(), ..Default::default() };
    let host = EngineHost {
        spawn: Arc::new(PoolSpawn(ThreadPool::builder().pool_size(2).create().expect("thread pool"))),
        clock: Arc::new(SystemClock),
        transport,
        thread_store,
        queue_store: None,
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
    pub fn new() -> Arc<RecordingModel> {
        let inner = spindle_core::model::scripted::ScriptedModel::new(Arc::new(SystemClock), 0);
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
