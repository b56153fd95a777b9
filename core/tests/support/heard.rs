//! What one connection heard, checked against the protocol's rules under store faults: every
//! error is one a failing store may cause and names its operation; on each thread turns never
//! overlap; a queued turn starts at most once and never after an edit replaced it; no queue shown
//! after a queued turn started still lists it; and, for the connection that made every queue
//! request, a queued turn starts by itself only from the head of the queue (so never past a
//! failed head).
//!
//! Queued turns are told apart by their text: every `turnStartParams` a test queues carries a
//! text no other one has, starting with `q:` (added) or `u:` (an update's new params).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use spindle_core::store::faults::FAULT_MESSAGE;

use super::driver::{Driver, is_answer};

/// The operations a -32603 answer to each method may name (`failed to <operation>: …`).
fn store_operations(method: &str) -> &'static [&'static str] {
    match method {
        "thread/start" => &["create thread"],
        "thread/resume" | "thread/read" => &["read thread"],
        "thread/archive" => &["read thread", "archive thread"],
        "thread/unarchive" => &["read thread", "unarchive thread"],
        "thread/delete" => &["read thread", "delete thread"],
        "thread/name/set" => &["rename thread"],
        "thread/list" => &["list threads"],
        "turn/start" | "turn/interrupt" => &["save turn"],
        "thread/queue/add" => &["read queued turns", "add queued turn"],
        "thread/queue/list" => &["read queued turns"],
        "thread/queue/delete" => &["delete queued turn"],
        "thread/queue/reorder" => &["reorder queued turns"],
        "thread/queue/update" => &["read queued turns", "update queued turn"],
        "thread/queue/start" => &["read queued turns", "start queued turn"],
        _ => &[],
    }
}

/// Every error answer on `driver` that a failing store does not explain: -32603 must name an
/// operation of its method and carry the injected fault; other codes must be -32600, never
/// `thread not found`, and may mention a fault only as a queued turn that could not start.
pub fn unexplained_errors(driver: &Driver) -> Vec<String> {
    let mut wrong = Vec::new();
    for message in driver.log.iter().filter(|message| is_answer(message)) {
        let Some(error) = message.get("error") else { continue };
        let id = message["id"].as_i64().unwrap_or_default();
        let method = driver.sent.get(&id).map_or("?", |(method, _)| method.as_str());
        let text = error["message"].as_str().unwrap_or_default();
        let explained = match error["code"].as_i64() {
            Some(-32603) => store_operations(method).iter().any(|operation| {
                text.strip_prefix(&format!("failed to {operation}: "))
                    .is_some_and(|rest| rest.starts_with(FAULT_MESSAGE))
            }),
            // The tests never send a thread request to a thread they do not hold loaded, so a
            // thread that is suddenly not found was unloaded behind the client's back.
            Some(-32600) if text.starts_with("thread not found") => false,
            Some(-32600) => {
                !text.contains(FAULT_MESSAGE)
                    || (method == "thread/queue/start"
                        && ["record queued turn dispatch", "save turn"].iter().any(|operation| {
                            text.starts_with(&format!("queued turn could not start: failed to {operation}: "))
                        }))
            }
            _ => false,
        };
        if !explained {
            wrong.push(format!("{}: {method} answered {error}", driver.name));
        }
    }
    wrong
}

/// The text a queued turn or a user message carries first.
fn first_text(input: &Value) -> String {
    input[0]["text"].as_str().unwrap_or_default().to_owned()
}

fn is_queued_text(text: &str) -> bool {
    text.starts_with("q:") || text.starts_with("u:")
}

/// One thread's rules as the log is replayed.
#[derive(Default)]
struct ThreadRules {
    /// Whether this connection made every queue request (so it knows every edit).
    requester: bool,
    /// The running turn; unknown until this connection hears a turn begin or end, since it may
    /// have subscribed in the middle of one.
    active: Option<String>,
    known: bool,
    /// The active turn has not shown its first user message yet.
    awaiting_input: bool,
    /// Turns `thread/queue/start` answered with.
    started_on_request: BTreeSet<String>,
    /// Queued texts an update replaced.
    replaced: BTreeSet<String>,
    /// The latest text of each queued turn, by id.
    texts: BTreeMap<String, String>,
    /// Counts queues shown and edits answered, to order them.
    clock: usize,
    /// For each queued text, when a queue last showed it and the texts ahead of it there.
    last_shown: BTreeMap<String, (usize, Vec<String>)>,
    /// When the last edit of the queue was answered.
    last_edit: usize,
}

/// The messages `driver` received about each thread, in order: notifications naming it and
/// answers to requests naming it.
pub fn by_thread(driver: &Driver) -> BTreeMap<String, Vec<&Value>> {
    let mut threads: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for message in &driver.log {
        let thread_id = if is_answer(message) {
            let id = message["id"].as_i64().unwrap_or_default();
            driver.sent.get(&id).and_then(|(_, params)| params["threadId"].as_str())
        } else if message.get("id").is_none() {
            message["params"]["threadId"].as_str()
        } else {
            None
        };
        if let Some(thread_id) = thread_id {
            threads.entry(thread_id.to_owned()).or_default().push(message);
        }
    }
    threads
}

/// Replays `heard`, what `driver` received about `thread_id` (see [`by_thread`]); returns every
/// rule it breaks and the turn each queued text started (to compare with other connections).
pub fn broken_rules(
    driver: &Driver,
    thread_id: &str,
    heard: &[&Value],
    requester: bool,
) -> (Vec<String>, BTreeMap<String, String>) {
    let mut rules = ThreadRules { requester, ..Default::default() };
    let mut broken = Vec::new();
    let mut started = BTreeMap::new();
    let started = &mut started;
    for message in heard {
        if is_answer(message) {
            let id = message["id"].as_i64().unwrap_or_default();
            if let Some((method, params)) = driver.sent.get(&id) {
                rules.answer(method, params, message, started, &mut broken);
            }
        } else {
            rules.notification(message, started, &mut broken);
        }
    }
    let broken = broken.iter().map(|rule| format!("{} on {thread_id}: {rule}", driver.name)).collect();
    (broken, std::mem::take(started))
}

impl ThreadRules {
    fn notification(&mut self, message: &Value, started: &mut BTreeMap<String, String>, broken: &mut Vec<String>) {
        let params = &message["params"];
        let method = message["method"].as_str().unwrap_or_default();
        match method {
            "turn/started" => {
                let turn_id = params["turn"]["id"].as_str().unwrap_or_default().to_owned();
                if let Some(active) = self.active.as_ref().filter(|_| self.known) {
                    broken.push(format!("turn {turn_id} started while turn {active} was running"));
                }
                self.active = Some(turn_id);
                self.known = true;
                self.awaiting_input = true;
            }
            "turn/completed" => {
                let turn = &params["turn"];
                let turn_id = turn["id"].as_str().unwrap_or_default();
                if self.known && self.active.as_deref() != Some(turn_id) {
                    broken.push(format!("turn {turn_id} completed but {:?} was running", self.active));
                }
                self.known = true;
                let error = turn["error"]["message"].as_str().unwrap_or_default();
                if turn["status"] == "failed" && !error.contains(FAULT_MESSAGE) {
                    broken.push(format!("turn {turn_id} failed without a store fault: {error}"));
                }
                self.active = None;
            }
            // Archiving unloads the thread and drops its running turn without `turn/completed`;
            // whoever subscribes again may do so in the middle of a turn.
            "thread/archived" | "thread/closed" => self.known = false,
            "thread/status/changed" if params["status"]["type"] == "notLoaded" => self.known = false,
            "thread/queue/changed" => self.shown(&params["queuedTurns"], started, broken),
            _ if method.starts_with("item/") => {
                let turn_id = params["turnId"].as_str().unwrap_or_default();
                if !self.known {
                    self.known = true;
                    self.active = Some(turn_id.to_owned());
                    // Its first user message may have gone by before this connection subscribed.
                    self.awaiting_input = false;
                }
                if self.active.as_deref() != Some(turn_id) {
                    broken.push(format!("{method} of turn {turn_id} while {:?} was running", self.active));
                }
                let item = &params["item"];
                if method == "item/started" && item["type"] == "userMessage" && self.awaiting_input {
                    self.awaiting_input = false;
                    self.turn_input(turn_id, &first_text(&item["content"]), started, broken);
                }
            }
            _ => {}
        }
    }

    /// The first user message of a turn: a queued text starts once, never after its row was
    /// edited, and by itself only from the head of the queue.
    fn turn_input(
        &mut self,
        turn_id: &str,
        text: &str,
        started: &mut BTreeMap<String, String>,
        broken: &mut Vec<String>,
    ) {
        if !is_queued_text(text) {
            return;
        }
        if let Some(first) = started.insert(text.to_owned(), turn_id.to_owned()) {
            broken.push(format!("queued turn {text:?} started twice: turns {first} and {turn_id}"));
        }
        if self.replaced.contains(text) {
            broken.push(format!("queued turn {text:?} started after an update replaced it"));
        }
        // The queue shown at claim time no longer lists the claimed row, and a queue read the
        // store refused is not shown at all, so the last queue that listed it is the one to look
        // at: every row ahead of it there must have started since, unless an edit was answered.
        let by_itself = !self.started_on_request.contains(turn_id);
        if let Some((shown_at, ahead)) = self.last_shown.get(text)
            && self.requester
            && by_itself
            && self.last_edit < *shown_at
            && let Some(waiting) = ahead.iter().find(|ahead| !started.contains_key(*ahead))
        {
            broken.push(format!("queued turn {text:?} started by itself while {waiting:?} was ahead of it"));
        }
    }

    fn answer(
        &mut self,
        method: &str,
        params: &Value,
        message: &Value,
        started: &BTreeMap<String, String>,
        broken: &mut Vec<String>,
    ) {
        let result = &message["result"];
        let ok = message.get("result").is_some();
        match method {
            "thread/queue/add" if ok => self.remember(&result["queuedTurn"]),
            // Lists start at the head: these tests never send a cursor.
            "thread/queue/list" if ok => self.shown(&result["data"], started, broken),
            "thread/queue/reorder" if ok => self.shown(&result["queuedTurns"], started, broken),
            "thread/queue/update" if ok => {
                let queued_id = params["queuedTurnId"].as_str().unwrap_or_default();
                if let Some(old) = self.texts.get(queued_id) {
                    self.replaced.insert(old.clone());
                }
                self.remember(&result["queuedTurn"]);
            }
            "thread/queue/start" if ok => {
                self.started_on_request.insert(result["turn"]["id"].as_str().unwrap_or_default().to_owned());
            }
            _ => {}
        }
        // Any of these may have changed the head, even when it answered an error.
        if matches!(
            method,
            "thread/queue/update" | "thread/queue/delete" | "thread/queue/reorder" | "thread/queue/start"
        ) {
            self.clock += 1;
            self.last_edit = self.clock;
        }
    }

    fn remember(&mut self, queued: &Value) {
        let id = queued["id"].as_str().unwrap_or_default().to_owned();
        self.texts.insert(id, first_text(&queued["turnStartParams"]["input"]));
    }

    /// A queue (or its first page) as shown to the client.
    fn shown(&mut self, rows: &Value, started: &BTreeMap<String, String>, broken: &mut Vec<String>) {
        let rows = rows.as_array().cloned().unwrap_or_default();
        let mut ids = BTreeSet::new();
        let mut ahead = Vec::new();
        self.clock += 1;
        for row in &rows {
            self.remember(row);
            let id = row["id"].as_str().unwrap_or_default();
            if !ids.insert(id.to_owned()) {
                broken.push(format!("queued turn {id} is shown twice in one queue"));
            }
            let text = first_text(&row["turnStartParams"]["input"]);
            if let Some(turn_id) = started.get(&text) {
                broken.push(format!("queued turn {text:?} is shown after its turn {turn_id} started"));
            }
            self.last_shown.insert(text.clone(), (self.clock, ahead.clone()));
            ahead.push(text);
        }
    }
}
