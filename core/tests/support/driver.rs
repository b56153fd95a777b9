//! A client that keeps many requests in flight on one connection: it records every message,
//! matches answers to requests, and fails the test on an answer to nothing, a second answer to
//! one request, or a request left unanswered.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spindle_core::{Connection, Engine};

/// How long a request may go unanswered before the test fails.
const ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// One connection and everything it was sent and received.
pub struct Driver {
    pub name: String,
    connection: Connection,
    inbox: mpsc::Receiver<String>,
    next_id: i64,
    /// Every request sent: id → (method, params).
    pub sent: BTreeMap<i64, (String, Value)>,
    /// Ids still waiting for their answer.
    unanswered: BTreeMap<i64, Instant>,
    /// Where each answer is in the log, by request id.
    answers: BTreeMap<i64, usize>,
    /// Every message received, in arrival order.
    pub log: Vec<Value>,
}

/// A JSON-RPC response (`result` or `error`), not a notification or a server request.
pub fn is_answer(message: &Value) -> bool {
    message.get("method").is_none() && (message.get("result").is_some() || message.get("error").is_some())
}

impl Driver {
    /// Connects and initializes with the experimental API on.
    pub fn connect(engine: &Engine, name: &str) -> Driver {
        let (tx, inbox) = mpsc::channel::<String>();
        let tx = std::sync::Mutex::new(tx);
        let connection = engine.connect(Arc::new(move |text: String| {
            let _ = tx.lock().unwrap().send(text);
        }));
        let mut driver = Driver {
            name: name.to_owned(),
            connection,
            inbox,
            next_id: 1,
            sent: BTreeMap::new(),
            unanswered: BTreeMap::new(),
            answers: BTreeMap::new(),
            log: Vec::new(),
        };
        let answer = driver.request(
            "initialize",
            json!({"clientInfo": {"name": name, "title": null, "version": "1.0.0"}, "capabilities": {"experimentalApi": true}}),
        );
        assert!(answer.get("result").is_some(), "{answer}");
        driver
    }

    /// Sends a request without waiting; returns its id.
    pub fn send(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"id": id, "method": method, "params": params});
        self.connection.send(message.to_string()).expect("connection open");
        self.sent.insert(id, (method.to_owned(), params));
        self.unanswered.insert(id, Instant::now());
        id
    }

    /// Reads one message if one arrives within `wait`; `false` otherwise.
    pub fn receive(&mut self, wait: Duration) -> bool {
        let Ok(text) = self.inbox.recv_timeout(wait) else { return false };
        let message: Value = serde_json::from_str(&text).expect("valid JSON from the engine");
        if is_answer(&message) {
            let id =
                message["id"].as_i64().unwrap_or_else(|| panic!("{}: answer with a foreign id: {message}", self.name));
            assert!(self.sent.contains_key(&id), "{}: answer to a request never sent: {message}", self.name);
            assert!(self.unanswered.remove(&id).is_some(), "{}: second answer to request {id}: {message}", self.name);
            self.answers.insert(id, self.log.len());
        }
        self.log.push(message);
        true
    }

    /// Reads messages until request `id` is answered; returns the answer.
    pub fn wait(&mut self, id: i64) -> Value {
        while self.unanswered.contains_key(&id) {
            self.receive_or_fail();
        }
        self.answer(id).expect("an answer was recorded")
    }

    /// Reads messages until every request sent so far is answered.
    pub fn wait_all(&mut self) {
        while !self.unanswered.is_empty() {
            self.receive_or_fail();
        }
    }

    /// Reads whatever arrives until `quiet` passes with no message.
    pub fn drain(&mut self, quiet: Duration) {
        while self.receive(quiet) {}
    }

    /// Reads messages until one after position `since` of the log satisfies `done`; returns its position.
    pub fn until(&mut self, since: usize, what: &str, done: impl Fn(&Value) -> bool) -> usize {
        let deadline = Instant::now() + ANSWER_DEADLINE;
        let mut next = since;
        loop {
            if let Some(offset) = self.log[next..].iter().position(&done) {
                return next + offset;
            }
            next = self.log.len();
            assert!(Instant::now() < deadline, "{}: never received {what}", self.name);
            self.receive(Duration::from_millis(50));
        }
    }

    /// Sends a request and waits for its answer.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params);
        self.wait(id)
    }

    /// The answer to request `id`, if it came.
    pub fn answer(&self, id: i64) -> Option<Value> {
        self.answers.get(&id).map(|&at| self.log[at].clone())
    }

    fn receive_or_fail(&mut self) {
        if self.receive(Duration::from_millis(100)) {
            return;
        }
        let late = self.unanswered.iter().find(|(_, sent_at)| sent_at.elapsed() > ANSWER_DEADLINE);
        if let Some((id, _)) = late {
            let (method, params) = &self.sent[id];
            panic!("{}: request {id} ({method} {params}) was never answered", self.name);
        }
    }
}
