//! A turn is saved when it starts (issue 5: lose nothing a client was told is saved): a process
//! that stops mid-turn — simulated by leaving an engine with a held model request and building a
//! new engine over the same stores — leaves the turn behind as interrupted, with its input, and
//! the model hears of the interruption as after `turn/interrupt`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::host::{BoxFut, boxed};
use spindle_core::model::request;
use spindle_core::store::memory::MemoryThreadStore;
use spindle_core::store::memory_queue::MemoryQueueStore;
use spindle_core::store::queue_store::ClaimOutcome;
use spindle_core::store::thread_list::ThreadListQuery;
use spindle_core::store::thread_store::LoadedHistory;
use spindle_core::store::{HistoryRecord, QueueStore, StoreError, StoredThread, ThreadStore};

use crate::support::hanging::{HANG, HangingModel};
use crate::support::queue::{add, text, turn_params};
use crate::support::{Client, RecordingModel, engine_over, is, test_options};

/// Memory stores that outlive the engines built over them, as files outlive a process.
#[derive(Clone)]
struct Stores {
    threads: Arc<MemoryThreadStore>,
    queue: Arc<MemoryQueueStore>,
}

impl Stores {
    fn new() -> Stores {
        Stores { threads: Arc::new(MemoryThreadStore::new()), queue: Arc::new(MemoryQueueStore::new()) }
    }

    /// An engine whose model answers every request except those whose last user message holds
    /// [`HANG`], which stay open: the process "stops" while they do.
    fn hanging_engine(&self) -> spindle_core::Engine {
        engine_over(test_options(), Some(HangingModel::new()), Some(self.threads.clone()), Some(self.queue.clone()))
    }

    /// A restarted engine whose model records every request.
    fn restarted(&self) -> (spindle_core::Engine, Arc<RecordingModel>) {
        let model = RecordingModel::new();
        let engine =
            engine_over(test_options(), Some(model.clone()), Some(self.threads.clone()), Some(self.queue.clone()));
        (engine, model)
    }

    fn records(&self, thread_id: &str) -> Vec<HistoryRecord> {
        block_on(self.threads.load(thread_id.to_owned(), None)).expect("load").expect("stored").records
    }
}

/// Runs a turn that completes (other notifications may come first); returns its `turn/completed`
/// turn.
fn run_turn(client: &mut Client, thread_id: &str, input: &str) -> Value {
    client.send(json!({"id": "run", "method": "turn/start", "params": {"threadId": thread_id, "input": text(input)}}));
    let messages = client.until(is("turn/completed"));
    assert!(messages.iter().any(|m| m["id"] == "run" && m["result"].is_object()), "{messages:?}");
    messages.last().expect("turn/completed")["params"]["turn"].clone()
}

/// Starts a turn whose model request never answers; returns its `turn/started` turn and its user
/// message as `item/completed` announced it.
fn start_held_turn(client: &mut Client, thread_id: &str, input: &str, client_id: &str) -> (Value, Value) {
    let params = json!({"threadId": thread_id, "input": text(input), "clientUserMessageId": client_id});
    client.request("turn/start", params);
    let messages = client.until(is("item/completed"));
    let started = messages.iter().find(|m| m["method"] == "turn/started").expect("turn/started");
    (started["params"]["turn"].clone(), messages.last().expect("item/completed")["params"]["item"].clone())
}

/// The turn `turn/started` announced, as it reads back after the process stopped mid-turn.
fn cut_off(started: &Value, items: Vec<Value>) -> Value {
    let mut turn = started.clone();
    turn["status"] = json!("interrupted");
    turn["items"] = json!(items);
    turn["itemsView"] = json!("full");
    turn
}

/// Resumes a thread and returns its response (after the `idle` status that comes first).
fn resume(client: &mut Client, thread_id: &str) -> Value {
    client.send(json!({"id": "resume", "method": "thread/resume", "params": {"threadId": thread_id}}));
    client.until(|m| m["id"] == "resume").pop().expect("the response")
}

/// The scripted model's answer text in a `turn/completed` turn.
fn answer(turn: &Value) -> String {
    format!("assistant: {}", turn["items"][0]["text"].as_str().expect("an agent message"))
}

fn input_texts(body: &Value) -> Vec<String> {
    body["input"]
        .as_array()
        .expect("request input")
        .iter()
        .map(|item| {
            format!("{}: {}", item["role"].as_str().unwrap_or(""), item["content"][0]["text"].as_str().unwrap_or(""))
        })
        .collect()
}

fn aborted_marker(turn_id: &Value) -> String {
    let marker = request::turn_aborted(turn_id.as_str().expect("a turn id"));
    format!("user: {}", marker["content"][0]["text"].as_str().expect("marker text"))
}

#[test]
fn turn_start_cut_off_by_a_stopped_process_reads_back_interrupted_with_its_user_message() {
    let stores = Stores::new();
    let first = stores.hanging_engine();
    let mut writer = Client::initialized(&first);
    let thread_id = writer.start_thread(json!({"baseInstructions": "Be terse."}));
    let finished = run_turn(&mut writer, &thread_id, "first question");
    let (started, user_message) = start_held_turn(&mut writer, &thread_id, &format!("{HANG} cut off"), "client-1");
    assert_eq!(started["status"], json!("inProgress"));
    // The process stops here: nothing more reaches the stores from `first`.
    drop(writer);

    let (second, model) = stores.restarted();
    let mut client = Client::initialized(&second);
    let read = client.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let turns = read["result"]["thread"]["turns"].clone();
    assert_eq!(turns.as_array().expect("turns").len(), 2, "{turns}");
    assert_eq!(turns[0]["id"], finished["id"]);
    assert_eq!(turns[0]["status"], json!("completed"));
    // Like 0.169's stale turns after a restart: interrupted, no error, never seen to complete.
    let expected = cut_off(&started, vec![user_message.clone()]);
    assert_eq!(turns[1], expected);
    assert_eq!((turns[1]["error"].clone(), turns[1]["completedAt"].clone()), (Value::Null, Value::Null));

    let listed = client
        .request("thread/turns/list", json!({"threadId": thread_id, "itemsView": "full", "sortDirection": "asc"}));
    assert_eq!(listed["result"]["data"], turns);

    assert_eq!(resume(&mut client, &thread_id)["result"]["thread"]["turns"], turns);

    // The next request replays the cut-off user message, then the marker an interrupt leaves.
    let next = run_turn(&mut client, &thread_id, "next question");
    assert_eq!(next["status"], json!("completed"));
    let bodies = model.bodies.lock().expect("bodies").clone();
    assert_eq!(
        input_texts(&bodies[0]),
        [
            "developer: Be terse.".to_owned(),
            "user: first question".into(),
            answer(&finished),
            format!("user: {HANG} cut off"),
            aborted_marker(&started["id"]),
            "user: next question".into(),
        ]
    );

    // Three turns, each once, in the live thread and after another restart.
    let live = client.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let ids = |thread: &Value| -> Vec<Value> {
        thread["turns"].as_array().expect("turns").iter().map(|turn| turn["id"].clone()).collect()
    };
    let expected_ids = vec![finished["id"].clone(), started["id"].clone(), next["id"].clone()];
    assert_eq!(ids(&live["result"]["thread"]), expected_ids);
    let (third, _) = stores.restarted();
    let mut reader = Client::initialized(&third);
    let reread = reader.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    assert_eq!(ids(&reread["result"]["thread"]), expected_ids);
    assert_eq!(reread["result"]["thread"]["turns"][1], expected);
    let summary = reader.request("thread/turns/list", json!({"threadId": thread_id}));
    assert_eq!(summary["result"]["data"].as_array().expect("turns").len(), 3);
}

#[test]
fn turn_start_writes_one_record_when_a_turn_starts_and_the_final_records_when_it_ends() {
    let stores = Stores::new();
    let engine = stores.hanging_engine();
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let turn = run_turn(&mut client, &thread_id, "hello");
    let kinds: Vec<String> = stores
        .records(&thread_id)
        .iter()
        .map(|record| serde_json::to_value(record).expect("record")["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(kinds, ["turnStarted", "modelItems", "turn"]);
    let HistoryRecord::TurnStarted { turn: saved, items } = &stores.records(&thread_id)[0] else {
        panic!("a turnStarted record first");
    };
    assert_eq!((json!(saved.id), json!(saved.status)), (turn["id"].clone(), json!("inProgress")));
    assert_eq!(items.len(), 1, "the user message: {items:?}");
}

#[test]
fn turn_steer_input_is_saved_with_the_turn_so_a_stop_after_it_keeps_both_messages() {
    let stores = Stores::new();
    let first = stores.hanging_engine();
    let mut writer = Client::initialized(&first);
    let thread_id = writer.start_thread(json!({}));
    let (started, first_message) = start_held_turn(&mut writer, &thread_id, &format!("{HANG} first"), "c1");
    let steer = json!({"threadId": thread_id, "expectedTurnId": started["id"], "input": text(&format!("{HANG} more"))});
    assert_eq!(writer.request("turn/steer", steer)["result"], json!({"turnId": started["id"]}));
    let steered = writer.until(is("item/completed")).last().expect("item/completed")["params"]["item"].clone();
    drop(writer);

    let (second, model) = stores.restarted();
    let mut client = Client::initialized(&second);
    let resumed = resume(&mut client, &thread_id);
    let turns = resumed["result"]["thread"]["turns"].clone();
    assert_eq!(turns, json!([cut_off(&started, vec![first_message, steered])]));
    run_turn(&mut client, &thread_id, "after");
    let bodies = model.bodies.lock().expect("bodies").clone();
    assert_eq!(
        input_texts(&bodies[0]),
        [
            format!("user: {HANG} first"),
            format!("user: {HANG} more"),
            aborted_marker(&started["id"]),
            "user: after".into()
        ]
    );
}

#[test]
fn thread_queue_turn_cut_off_mid_turn_reads_back_interrupted_and_its_row_is_gone() {
    let stores = Stores::new();
    let first = stores.hanging_engine();
    let mut writer = Client::initialized(&first);
    let thread_id = writer.start_thread(json!({}));
    add(&mut writer, &thread_id, &format!("{HANG} queued input"));
    let messages = writer.until(is("item/completed"));
    let started =
        messages.iter().find(|m| m["method"] == "turn/started").expect("turn/started")["params"]["turn"].clone();
    let user_message = messages.last().expect("item/completed")["params"]["item"].clone();
    drop(writer);

    let (second, model) = stores.restarted();
    let mut client = Client::initialized(&second);
    let resumed = resume(&mut client, &thread_id);
    assert_eq!(resumed["result"]["thread"]["turns"], json!([cut_off(&started, vec![user_message])]));
    // The row became that turn: nothing is queued, failed or left dispatching, and nothing reruns it.
    let listed = client.request("thread/queue/list", json!({"threadId": thread_id}));
    assert_eq!(listed["result"]["data"], json!([]));
    assert_eq!(block_on(stores.queue.claim_head(thread_id.clone(), 1)).expect("claim"), ClaimOutcome::Empty);
    client.assert_silent(150);
    assert!(model.bodies.lock().expect("bodies").is_empty());
}

#[test]
fn thread_resume_removes_a_dispatching_row_whose_turn_was_saved_before_the_process_stopped() {
    let stores = Stores::new();
    let first = stores.hanging_engine();
    let mut writer = Client::initialized(&first);
    let thread_id = writer.start_thread(json!({}));
    // The process had claimed the head, saved its turn as started, and stopped before it could
    // remove the row (the one step `thread_queue_dispatch` runs between the two).
    let turn_id = "0190b3a2-0000-7000-8000-00000000beef";
    let row = block_on(stores.queue.append("q1".into(), thread_id.clone(), turn_params(&thread_id, "queued"), 1))
        .expect("append");
    let ClaimOutcome::Claimed { .. } = block_on(stores.queue.claim_head(thread_id.clone(), 2)).expect("claim") else {
        panic!("the head should be claimable");
    };
    assert!(block_on(stores.queue.set_dispatch_turn_id(row.queued_turn_id, turn_id.into(), 3)).expect("dispatch"));
    let turn: spindle_core::protocol::turn::Turn = serde_json::from_value(json!({
        "id": turn_id, "rootTurnId": turn_id, "items": [], "itemsView": "full", "status": "inProgress",
        "error": null, "startedAt": 3, "completedAt": null, "durationMs": null}))
    .expect("a turn");
    block_on(stores.threads.append(thread_id.clone(), vec![HistoryRecord::TurnStarted { turn, items: vec![] }]))
        .expect("save");
    drop(writer);

    let (second, _) = stores.restarted();
    let mut client = Client::initialized(&second);
    let resumed = resume(&mut client, &thread_id);
    let turns = &resumed["result"]["thread"]["turns"];
    assert_eq!((turns[0]["id"].clone(), turns[0]["status"].clone()), (json!(turn_id), json!("interrupted")));
    // Not surfaced as a failed row to run again: its input is already that turn's.
    client.assert_silent(150);
    assert_eq!(client.request("thread/queue/list", json!({"threadId": thread_id}))["result"]["data"], json!([]));
    assert_eq!(block_on(stores.queue.claim_head(thread_id, 4)).expect("claim"), ClaimOutcome::Empty);
}

#[test]
fn thread_fork_of_a_stored_thread_copies_a_cut_off_turn_as_interrupted_once() {
    let stores = Stores::new();
    let first = stores.hanging_engine();
    let mut writer = Client::initialized(&first);
    let thread_id = writer.start_thread(json!({}));
    let finished = run_turn(&mut writer, &thread_id, "kept");
    let (started, user_message) = start_held_turn(&mut writer, &thread_id, &format!("{HANG} cut"), "c1");
    drop(writer);

    let (second, model) = stores.restarted();
    let mut client = Client::initialized(&second);
    let forked = client.request("thread/fork", json!({"threadId": thread_id}));
    let fork_id = forked["result"]["thread"]["id"].as_str().expect("fork id").to_owned();
    let turns = forked["result"]["thread"]["turns"].clone();
    assert_eq!(turns.as_array().expect("turns").len(), 2, "{turns}");
    assert_eq!(turns[0]["id"], finished["id"]);
    assert_eq!(turns[1], cut_off(&started, vec![user_message]));
    client.until(is("thread/started"));
    run_turn(&mut client, &fork_id, "in the fork");
    let bodies = model.bodies.lock().expect("bodies").clone();
    assert_eq!(
        input_texts(&bodies[0]),
        [
            "user: kept".to_owned(),
            answer(&finished),
            format!("user: {HANG} cut"),
            aborted_marker(&started["id"]),
            "user: in the fork".into(),
        ]
    );
    // The fork's copy was written settled: a restart reads the same turns, once each.
    let (third, _) = stores.restarted();
    let mut reader = Client::initialized(&third);
    let reread = reader.request("thread/read", json!({"threadId": fork_id, "includeTurns": true}));
    assert_eq!(reread["result"]["thread"]["turns"].as_array().expect("turns").len(), 3);
    assert_eq!(reread["result"]["thread"]["turns"][1], turns[1]);
}

#[test]
fn thread_compact_turns_are_not_saved_as_started_and_read_back_once() {
    let stores = Stores::new();
    let engine = stores.hanging_engine();
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    run_turn(&mut client, &thread_id, "before compaction");
    client.request("thread/compact/start", json!({"threadId": thread_id}));
    client.until(is("turn/completed"));
    let started =
        stores.records(&thread_id).iter().filter(|record| matches!(record, HistoryRecord::TurnStarted { .. })).count();
    assert_eq!(started, 1, "only the regular turn is saved as started");
    let (second, _) = stores.restarted();
    let mut reader = Client::initialized(&second);
    let read = reader.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let statuses: Vec<Value> = read["result"]["thread"]["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|turn| turn["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("completed"), json!("completed")]);
}

/// A memory thread store whose appends fail while `failing` is set.
struct FailingAppends {
    inner: MemoryThreadStore,
    failing: AtomicBool,
}

impl ThreadStore for FailingAppends {
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.inner.create(thread)
    }

    fn append(&self, thread_id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>> {
        if self.failing.load(Ordering::SeqCst) {
            return boxed(async { Err(StoreError::Adapter("disk full".into())) });
        }
        self.inner.append(thread_id, records)
    }

    fn load(&self, thread_id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>> {
        self.inner.load(thread_id, tail)
    }

    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.inner.update(thread)
    }

    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>> {
        self.inner.list(query)
    }

    fn delete(&self, thread_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.inner.delete(thread_id)
    }
}

#[test]
fn turn_start_that_cannot_be_saved_is_refused_before_anything_is_announced() {
    let store = Arc::new(FailingAppends { inner: MemoryThreadStore::new(), failing: AtomicBool::new(false) });
    let queue = Arc::new(MemoryQueueStore::new());
    let engine = engine_over(test_options(), None, Some(store.clone()), Some(queue.clone()));
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    store.failing.store(true, Ordering::SeqCst);
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": text("lost?")}));
    assert_eq!(answer["error"], json!({"code": -32603, "message": "failed to save turn: disk full"}));
    // A queued turn that cannot be saved fails its row instead of starting.
    add(&mut client, &thread_id, "queued");
    let changed = client.until(|m| {
        m["method"] == "thread/queue/changed" && m["params"]["queuedTurns"][0]["status"]["type"] == "failed"
    });
    let failed = &changed.last().expect("queue changed")["params"]["queuedTurns"][0]["status"]["error"]["message"];
    assert_eq!(failed, &json!("queued turn could not start: failed to save turn: disk full"));
    assert!(!changed.iter().any(|m| m["method"] == "turn/started"), "{changed:?}");
    client.assert_silent(100);
    // The thread is still idle and takes the next turn once the store works again.
    store.failing.store(false, Ordering::SeqCst);
    assert_eq!(run_turn(&mut client, &thread_id, "saved")["status"], json!("completed"));
}
