//! The `jsonrpc_lines` target: two clients send arbitrary lines and hostile requests to an engine
//! with memory stores, while a gated model streams scripted answers a chunk at a time.
//!
//! Besides "never panics", a run checks what every client relies on: no connection sees a turn
//! start or end twice, and once the model is let through and tool calls are answered, each request
//! with a usable id got exactly one answer and no loaded thread has a turn in progress or two turns
//! with one id.

use std::collections::{HashMap, HashSet};

use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{Value, json};

use super::host::{
    Client, Harness, ScriptedTransport, dynamic_tools, initialize_params, is_server_request, tool_call_answer,
};
use super::hostile::{self, Json, Seen};
use super::replies::Reply;
use crate::EngineOptions;
use crate::host::boxed;
use crate::protocol::jsonrpc::Incoming;

/// Steps past this are ignored, so one input stays fast.
const MAX_STEPS: usize = 64;
/// Rounds of answering server requests at the end before everything must be settled.
const FINAL_ROUNDS: usize = 32;

/// Runs one input.
pub fn jsonrpc_lines(data: &[u8]) {
    let Ok(session) = Session::arbitrary_take_rest(Unstructured::new(data)) else { return };
    Run::new(&session).play(&session.steps);
}

#[derive(Debug)]
struct Session {
    /// Whether the second client starts initialized (else it meets the initialize gate).
    second_initialized: bool,
    /// The model's answers, in request order; a plain message after them.
    replies: Vec<Reply>,
    steps: Vec<Step>,
}

impl<'a> Arbitrary<'a> for Session {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let second_initialized = bool::arbitrary(u)?;
        let mut replies = Vec::new();
        for _ in 0..u.int_in_range(0..=8u8)? {
            replies.push(Reply::arbitrary(u)?);
        }
        let mut steps = Vec::new();
        while !u.is_empty() && steps.len() < MAX_STEPS {
            steps.push(Step::arbitrary(u)?);
        }
        Ok(Session { second_initialized, replies, steps })
    }
}

/// One thing a client or the host does.
#[derive(Debug)]
enum Step {
    /// Any line at all.
    Raw { second: bool, line: String },
    /// A request for a known method with hostile params.
    Request { second: bool, id: Value, method: &'static str, params: Option<Json> },
    /// The same without an id.
    Notify { second: bool, method: &'static str, params: Option<Json> },
    /// Answers one pending server request: success, the given result, or an error.
    Answer { second: bool, which: u8, result: Option<Json>, error: bool },
    /// The model streams this many more chunks.
    Model(u8),
    /// Everything runs until nothing can move.
    Settle,
    /// The second client disconnects and a new one connects.
    Reconnect,
    /// The host unloads every thread no one is subscribed to.
    Unload,
}

impl<'a> Arbitrary<'a> for Step {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let second = u.ratio(1, 4)?;
        Ok(match u.int_in_range(0..=15u8)? {
            0 => Step::Raw { second, line: String::arbitrary(u)? },
            1..=7 => {
                let id = request_id(u)?;
                let (method, params) = hostile::request(u)?;
                Step::Request { second, id, method, params }
            }
            8 => {
                let (method, params) = hostile::request(u)?;
                Step::Notify { second, method, params }
            }
            9 => {
                let result = if u.ratio(1, 3)? { Some(hostile::any(u, 0)?) } else { None };
                Step::Answer { second, which: u8::arbitrary(u)?, result, error: u.ratio(1, 4)? }
            }
            10 | 11 => Step::Model(u8::arbitrary(u)? % 8),
            12 | 13 => Step::Settle,
            14 => Step::Reconnect,
            _ => Step::Unload,
        })
    }
}

/// Ids of every shape: usable ones (integers, strings) and ones that get no answer.
fn request_id(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => Value::String(String::arbitrary(u)?),
        1 => Value::from(i64::arbitrary(u)?),
        2 => Value::Null,
        3 => json!(1.5),
        4 => json!({"id": 1}),
        _ => Value::from(u8::arbitrary(u)?),
    })
}

/// One client connection and what the run expects of it.
struct Peer {
    client: Client,
    /// Requests still owed an answer, by id as JSON text.
    owed: HashMap<String, i64>,
    /// Server requests not answered yet, by id.
    server_requests: Vec<Value>,
    /// `turn/started` and `turn/completed` seen, by method, thread and turn: each at most once.
    turn_events: HashSet<(String, String, String)>,
}

impl Peer {
    fn new(client: Client) -> Peer {
        Peer { client, owed: HashMap::new(), server_requests: Vec::new(), turn_events: HashSet::new() }
    }
}

struct Run {
    harness: Harness,
    transport: std::sync::Arc<ScriptedTransport>,
    peers: [Peer; 2],
    seen: Seen,
}

impl Run {
    fn new(session: &Session) -> Run {
        let answers = session.replies.iter().enumerate().map(|(n, reply)| reply.answer(n)).collect();
        let fallback = Reply::Message(vec!["fallback".into()]).answer(usize::MAX);
        let transport = ScriptedTransport::new(answers, fallback, true);
        let options = EngineOptions { request_max_retries: 1, stream_max_retries: 1, ..EngineOptions::default() };
        let harness = Harness::new(options, transport.clone());
        let (first, second) = (harness.connect(), harness.connect());
        let mut run = Run { harness, transport, peers: [Peer::new(first), Peer::new(second)], seen: Seen::default() };
        run.initialize(0);
        if session.second_initialized {
            run.initialize(1);
        }
        run.harness_request(0, "thread/start", json!({"dynamicTools": dynamic_tools()}));
        run
    }

    fn initialize(&mut self, peer: usize) {
        let Some(Peer { client, .. }) = self.peers.get_mut(peer) else { return };
        let (answer, others) = self.harness.exchange(client, "initialize", initialize_params());
        self.absorb(peer, others);
        self.remember_ids(&answer);
    }

    fn harness_request(&mut self, peer: usize, method: &str, params: Value) -> Value {
        let Some(Peer { client, .. }) = self.peers.get_mut(peer) else { return Value::Null };
        let (answer, others) = self.harness.exchange(client, method, params);
        self.absorb(peer, others);
        self.remember_ids(&answer);
        answer
    }

    fn play(mut self, steps: &[Step]) {
        for step in steps {
            self.step(step);
        }
        self.finish();
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Raw { second, line } => self.send(usize::from(*second), line.clone()),
            Step::Request { second, id, method, params } => {
                let mut request = json!({"id": id, "method": method});
                if let Some(params) = params {
                    request["params"] = params.resolve(&self.seen);
                }
                self.send(usize::from(*second), request.to_string());
            }
            Step::Notify { second, method, params } => {
                let mut notification = json!({"method": method});
                if let Some(params) = params {
                    notification["params"] = params.resolve(&self.seen);
                }
                self.send(usize::from(*second), notification.to_string());
            }
            Step::Answer { second, which, result, error } => {
                let peer = usize::from(*second);
                let Some(pending) = self.peers.get_mut(peer).map(|peer| &mut peer.server_requests) else { return };
                if pending.is_empty() {
                    return;
                }
                let id = pending.remove(usize::from(*which) % pending.len());
                let answer = match (error, result) {
                    (true, _) => json!({"id": id, "error": {"code": -32000, "message": "client refused"}}).to_string(),
                    (false, Some(result)) => json!({"id": id, "result": result.resolve(&self.seen)}).to_string(),
                    (false, None) => tool_call_answer(&id),
                };
                self.send(peer, answer);
            }
            Step::Model(chunks) => self.transport.release(usize::from(*chunks)),
            Step::Settle => self.settle(),
            Step::Reconnect => {
                self.peers[1] = Peer::new(self.harness.connect());
                self.initialize(1);
            }
            Step::Unload => {
                let engine = self.harness.engine.clone();
                self.harness.spawn(boxed(async move {
                    for thread_id in engine.unsubscribed_threads().await {
                        engine.unload_thread(&thread_id).await;
                    }
                }));
            }
        }
    }

    /// Sends `line` and notes the answer it is owed, if any.
    fn send(&mut self, peer: usize, line: String) {
        let Some(peer) = self.peers.get_mut(peer) else { return };
        if let Some(Incoming::Request { id, .. }) = Incoming::parse(&line) {
            *peer.owed.entry(id_key(&id)).or_default() += 1;
        }
        peer.client.send(line);
    }

    fn settle(&mut self) {
        self.harness.settle();
        for peer in 0..self.peers.len() {
            let messages = self.peers[peer].client.take();
            self.absorb(peer, messages);
        }
    }

    /// Books what arrived for `peer`: answers paid, server requests to answer, ids to reuse.
    fn absorb(&mut self, peer: usize, messages: Vec<Value>) {
        for message in messages {
            self.remember_ids(&message);
            if message["method"] == "thread/deleted" {
                // A deleted thread's id, and so its turn ids, may be used again.
                let thread_id = message.pointer("/params/threadId").and_then(Value::as_str).unwrap_or("");
                for peer in &mut self.peers {
                    peer.turn_events.retain(|(_, thread, _)| thread != thread_id);
                }
            }
            let Some(peer) = self.peers.get_mut(peer) else { continue };
            if is_server_request(&message) {
                peer.server_requests.push(message["id"].clone());
            } else if let Some(method @ ("turn/started" | "turn/completed")) = message["method"].as_str() {
                // Turn ids are unique within a thread (PROTOCOL.md §5), so a turn starts and ends once.
                let text = |pointer: &str| message.pointer(pointer).and_then(Value::as_str).unwrap_or("").to_owned();
                let key = (method.to_owned(), text("/params/threadId"), text("/params/turn/id"));
                assert!(peer.turn_events.insert(key), "a second {method}: {message}");
            } else if let Some(id) = message.get("id") {
                let owed = peer.owed.entry(id.to_string()).or_default();
                *owed -= 1;
                assert!(*owed >= 0, "an answer to {id} nobody asked for: {message}");
            }
        }
    }

    fn remember_ids(&mut self, value: &Value) {
        self.seen.remember(value);
    }

    /// Lets the model through and answers every server request until nothing moves, then checks
    /// that every request was answered once and no loaded thread still runs a turn.
    fn finish(mut self) {
        self.transport.open();
        for _ in 0..FINAL_ROUNDS {
            self.settle();
            let mut answered = false;
            for peer in 0..self.peers.len() {
                for id in std::mem::take(&mut self.peers[peer].server_requests) {
                    self.send(peer, tool_call_answer(&id));
                    answered = true;
                }
            }
            if !answered {
                break;
            }
        }
        for peer in &self.peers {
            for (id, owed) in &peer.owed {
                assert_eq!(*owed, 0, "request {id} is owed {owed} answers after everything settled");
            }
        }
        for thread_id in self.loaded_threads() {
            let read = self.harness_request(0, "thread/read", json!({"threadId": thread_id, "includeTurns": true}));
            let turns = read.pointer("/result/thread/turns").and_then(Value::as_array).cloned().unwrap_or_default();
            let running = turns.iter().find(|turn| turn["status"] == "inProgress");
            assert!(running.is_none(), "thread {thread_id} still runs a turn after everything settled: {read}");
            let ids: HashSet<&Value> = turns.iter().map(|turn| &turn["id"]).collect();
            assert_eq!(ids.len(), turns.len(), "thread {thread_id} has two turns with one id: {read}");
        }
    }

    fn loaded_threads(&mut self) -> Vec<String> {
        let mut threads = Vec::new();
        let mut cursor = Value::Null;
        loop {
            let page = self.harness_request(0, "thread/loaded/list", json!({"cursor": cursor, "limit": 100}));
            let data = page.pointer("/result/data").and_then(Value::as_array).cloned().unwrap_or_default();
            threads.extend(data.iter().filter_map(Value::as_str).map(str::to_owned));
            match page.pointer("/result/nextCursor") {
                Some(next @ Value::String(_)) if !data.is_empty() => cursor = next.clone(),
                _ => return threads,
            }
        }
    }
}

fn id_key(id: &crate::protocol::jsonrpc::RequestId) -> String {
    serde_json::to_value(id).map(|value| value.to_string()).unwrap_or_default()
}
