//! The engine over a flaky store (issue 8): while a tenth of all thread and queue store calls
//! fail, many threads on several connections go through turns, interrupts, compactions, renames,
//! archive/unarchive/resume, deletes and every queue method with dispatch. Every request is
//! answered exactly once, errors name their operation, the queue rules hold on the wire; once the
//! faults stop every thread runs a turn and drains its queue, and the stores pass the conformance
//! audits.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spindle_core::store::conformance::audit::{audit_queue, audit_rows, audit_thread, audit_thread_list};
use spindle_core::store::thread_list::ThreadListQuery;

use crate::support::driver::{Driver, is_answer};
use crate::support::flaky::{FlakyStores, flaky_engine};
use crate::support::hanging::{HANG, HangingModel};
use crate::support::heard::{broken_rules, by_thread, unexplained_errors};
use crate::support::queue::text;

const SEED: u64 = 0x5eed_f417;
const FAULT_RATE: f64 = 0.10;
const THREADS: usize = 24;
const OWNERS: usize = 3;
const ROUNDS: usize = 40;

/// `SPINDLE_FAULT_SEED` and `SPINDLE_FAULT_RATE` explore other runs; the defaults are CI's.
fn plan() -> (u64, f64) {
    let env = |name: &str| std::env::var(name).ok();
    let seed = env("SPINDLE_FAULT_SEED").and_then(|seed| seed.parse().ok()).unwrap_or(SEED);
    let rate = env("SPINDLE_FAULT_RATE").and_then(|rate| rate.parse().ok()).unwrap_or(FAULT_RATE);
    (seed, rate)
}

/// A small xorshift generator: the test's choices are reproducible from `SEED`.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Life {
    Loaded,
    Archived,
    /// Unarchived, not yet resumed.
    Stored,
    /// Deleted; a new thread takes its place.
    Deleted,
}

/// What the test believes about one thread, from what its owner heard.
struct TestThread {
    id: String,
    owner: usize,
    life: Life,
    /// The turn running, as `turn/started` / `turn/completed` told the owner.
    active: Option<String>,
    /// The visible queue as last shown to the owner (ids).
    queued: Vec<String>,
    /// Texts made so far; each text is used once.
    made: usize,
}

impl TestThread {
    fn text(&mut self, kind: &str, index: usize) -> String {
        self.made += 1;
        format!("{kind}:{index}:{}", self.made)
    }

    /// Follows what the owner heard since the last round.
    fn follow(&mut self, log: &[Value]) {
        for message in log {
            let params = &message["params"];
            if params["threadId"].as_str() != Some(self.id.as_str()) || message.get("id").is_some() {
                continue;
            }
            match message["method"].as_str().unwrap_or_default() {
                "turn/started" => self.active = params["turn"]["id"].as_str().map(str::to_owned),
                "turn/completed" | "thread/archived" => self.active = None,
                "thread/queue/changed" => {
                    let rows = params["queuedTurns"].as_array().cloned().unwrap_or_default();
                    self.queued = rows.iter().filter_map(|row| row["id"].as_str().map(str::to_owned)).collect();
                }
                _ => {}
            }
        }
    }
}

#[test]
fn under_store_faults_every_request_is_answered_no_thread_wedges_and_the_queue_rules_hold() {
    let (seed, rate) = plan();
    let (engine, stores) = flaky_engine(Some(HangingModel::new()), seed, rate);
    // Connections 0..OWNERS own threads; the last one resumes and renames threads it does not own.
    let mut drivers: Vec<Driver> = (0..=OWNERS).map(|i| Driver::connect(&engine, &format!("connection {i}"))).collect();
    let mut rng = Rng(seed | 1);
    let mut threads = start_threads(&mut drivers);
    let mut followed = vec![0; drivers.len()];
    let mut deleted = Vec::new();

    for _ in 0..ROUNDS {
        let mut sent = Vec::new();
        for (index, thread) in threads.iter_mut().enumerate() {
            sent.push(act(&mut drivers, thread, index, &mut rng));
        }
        for driver in &mut drivers {
            driver.wait_all();
        }
        for (thread, request) in threads.iter_mut().zip(sent) {
            let owner = &drivers[thread.owner];
            thread.follow(&owner.log[followed[thread.owner]..]);
            settle_life(thread, &drivers, request, &mut deleted);
        }
        followed = drivers.iter().map(|driver| driver.log.len()).collect();
    }

    // The faults stop; every thread must come back to work.
    stores.faults.set_rate(0.0);
    for thread in &mut threads {
        recover(&mut drivers[thread.owner], thread);
    }
    for driver in &mut drivers {
        driver.drain(Duration::from_millis(200));
    }

    check_wire(&drivers, &threads);
    check_stores(&stores, &drivers, &threads, &deleted);
}

/// Starts `THREADS` threads round-robin on the owners; a start the store refuses is retried.
fn start_threads(drivers: &mut [Driver]) -> Vec<TestThread> {
    let mut threads = Vec::new();
    while threads.len() < THREADS {
        let owner = threads.len() % OWNERS;
        let answer = drivers[owner].request("thread/start", json!({}));
        if let Some(id) = answer["result"]["thread"]["id"].as_str() {
            threads.push(TestThread {
                id: id.to_owned(),
                owner,
                life: Life::Loaded,
                active: None,
                queued: Vec::new(),
                made: 0,
            });
        }
    }
    threads
}

/// One request about `thread`, picked at random among what makes sense for it; returns the
/// driver and request id.
fn act(drivers: &mut [Driver], thread: &mut TestThread, index: usize, rng: &mut Rng) -> (usize, i64) {
    let owner = thread.owner;
    let observer = drivers.len() - 1;
    let id = thread.id.clone();
    let send = |drivers: &mut [Driver], at: usize, method: &str, params: Value| (at, drivers[at].send(method, params));
    match thread.life {
        Life::Archived => return send(drivers, owner, "thread/unarchive", json!({"threadId": id})),
        Life::Stored => return send(drivers, owner, "thread/resume", json!({"threadId": id, "excludeTurns": true})),
        Life::Deleted => return send(drivers, owner, "thread/start", json!({})),
        Life::Loaded => {}
    }
    let some_queued = |rng: &mut Rng, queued: &[String]| {
        if queued.is_empty() || rng.below(8) == 0 {
            "0190b3a2-0000-7000-8000-00000000dead".to_owned()
        } else {
            queued[rng.below(queued.len())].clone()
        }
    };
    let queued_params = |text: &str| json!({"threadId": id, "input": crate::support::queue::text(text)});
    match rng.below(100) {
        0..12 => {
            let hang = if rng.below(4) == 0 { HANG } else { "" };
            let input = format!("{hang}{}", thread.text("d", index));
            send(drivers, owner, "turn/start", json!({"threadId": id, "input": text(&input)}))
        }
        12..20 if thread.active.is_some() => {
            let turn_id = thread.active.clone();
            send(drivers, owner, "turn/interrupt", json!({"threadId": id, "turnId": turn_id}))
        }
        12..40 => {
            let params = queued_params(&thread.text("q", index));
            send(drivers, owner, "thread/queue/add", json!({"threadId": id, "turnStartParams": params}))
        }
        40..48 => {
            let mut order = thread.queued.clone();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            if rng.below(6) == 0 {
                order.pop();
            }
            send(drivers, owner, "thread/queue/reorder", json!({"threadId": id, "queuedTurnIds": order}))
        }
        48..53 => {
            let queued = some_queued(rng, &thread.queued);
            send(drivers, owner, "thread/queue/delete", json!({"threadId": id, "queuedTurnId": queued}))
        }
        53..61 => {
            let queued = some_queued(rng, &thread.queued);
            let params = queued_params(&thread.text("u", index));
            send(
                drivers,
                owner,
                "thread/queue/update",
                json!({"threadId": id, "queuedTurnId": queued, "turnStartParams": params}),
            )
        }
        61..69 => {
            let queued = (rng.below(2) == 0).then(|| some_queued(rng, &thread.queued));
            send(drivers, owner, "thread/queue/start", json!({"threadId": id, "queuedTurnId": queued}))
        }
        69..74 => send(drivers, owner, "thread/queue/list", json!({"threadId": id, "limit": 1 + rng.below(4)})),
        74..80 => send(drivers, owner, "thread/name/set", json!({"threadId": id, "name": thread.text("name", index)})),
        80..84 => send(drivers, owner, "thread/read", json!({"threadId": id, "includeTurns": true})),
        84..86 => send(drivers, owner, "thread/archive", json!({"threadId": id})),
        86..87 => send(drivers, owner, "thread/delete", json!({"threadId": id})),
        87..89 => send(drivers, owner, "thread/compact/start", json!({"threadId": id})),
        89..93 => send(drivers, observer, "thread/resume", json!({"threadId": id, "excludeTurns": true})),
        93..96 => {
            send(drivers, observer, "thread/name/set", json!({"threadId": id, "name": thread.text("alias", index)}))
        }
        _ => send(drivers, owner, "thread/list", json!({"limit": 1 + rng.below(10)})),
    }
}

/// Updates what the test believes about a thread's life from the answer to its last request.
/// A deleted thread's id is kept to check the stores forgot it.
fn settle_life(thread: &mut TestThread, drivers: &[Driver], (at, id): (usize, i64), deleted: &mut Vec<String>) {
    if at != thread.owner {
        return;
    }
    let driver = &drivers[at];
    let answer = driver.answer(id).expect("every request was answered");
    if answer.get("result").is_none() {
        return;
    }
    thread.life = match (thread.life, driver.sent[&id].0.as_str()) {
        (Life::Loaded, "thread/archive") => Life::Archived,
        (Life::Archived, "thread/unarchive") => Life::Stored,
        (Life::Stored, "thread/resume") => Life::Loaded,
        (Life::Loaded, "thread/delete") => {
            deleted.push(thread.id.clone());
            Life::Deleted
        }
        (Life::Deleted, "thread/start") => {
            thread.id = answer["result"]["thread"]["id"].as_str().expect("a thread id").to_owned();
            Life::Loaded
        }
        (life, _) => life,
    };
    if thread.life != Life::Loaded {
        thread.active = None;
        thread.queued.clear();
    }
}

/// With the faults off: the thread is loaded again, its running turns interrupted and its queue
/// emptied by starting each head; then a turn runs to completion, the queue is emptied again, a
/// queued turn dispatches by itself, and the thread reads back with both turns.
fn recover(driver: &mut Driver, thread: &mut TestThread) {
    if thread.life == Life::Deleted {
        let answer = driver.request("thread/start", json!({}));
        thread.id =
            answer["result"]["thread"]["id"].as_str().unwrap_or_else(|| panic!("thread/start: {answer}")).to_owned();
        thread.life = Life::Loaded;
    }
    let id = thread.id.clone();
    if thread.life == Life::Archived {
        let answer = driver.request("thread/unarchive", json!({"threadId": id}));
        assert!(answer.get("result").is_some(), "unarchive {id}: {answer}");
        thread.life = Life::Stored;
    }
    if thread.life == Life::Stored {
        let answer = driver.request("thread/resume", json!({"threadId": id, "excludeTurns": true}));
        assert!(answer.get("result").is_some(), "resume {id}: {answer}");
    }
    empty_queue(driver, &id);

    let final_text = format!("final:{id}");
    let since = driver.log.len();
    let answer = driver.request("turn/start", json!({"threadId": id, "input": text(&final_text)}));
    let final_turn =
        answer["result"]["turn"]["id"].as_str().unwrap_or_else(|| panic!("turn/start {id}: {answer}")).to_owned();
    let end = driver.until(since, "the final turn's end", |m| turn_ended(m, &final_turn));
    assert_eq!(driver.log[end]["params"]["turn"]["status"], "completed", "{}", driver.log[end]);
    // A dispatch the store left unsettled shows only now that a turn's end settled it.
    empty_queue(driver, &id);

    let queued_text = format!("q:after:{id}");
    let since = driver.log.len();
    let params = json!({"threadId": id, "input": text(&queued_text)});
    let answer = driver.request("thread/queue/add", json!({"threadId": id, "turnStartParams": params}));
    assert!(answer.get("result").is_some(), "queue/add {id}: {answer}");
    let started = driver.until(since, "the queued turn's start", |m| {
        m["method"] == "turn/started" && m["params"]["threadId"] == id.as_str()
    });
    let queued_turn = driver.log[started]["params"]["turn"]["id"].as_str().unwrap_or_default().to_owned();
    let end = driver.until(started, "the queued turn's end", |m| turn_ended(m, &queued_turn));
    assert_eq!(driver.log[end]["params"]["turn"]["status"], "completed", "{}", driver.log[end]);

    let read = driver.request("thread/read", json!({"threadId": id, "includeTurns": true}));
    let turns = read["result"]["thread"]["turns"].as_array().cloned().unwrap_or_default();
    for (turn_id, input) in [(&final_turn, &final_text), (&queued_turn, &queued_text)] {
        let turn = turns.iter().find(|turn| turn["id"] == turn_id.as_str());
        let turn = turn.unwrap_or_else(|| panic!("{id} reads back without turn {turn_id}: {read}"));
        assert_eq!(turn["status"], "completed");
        assert_eq!(turn["items"][0]["content"][0]["text"], input.as_str());
    }
}

fn turn_ended(message: &Value, turn_id: &str) -> bool {
    message["method"] == "turn/completed" && message["params"]["turn"]["id"] == turn_id
}

/// Interrupts whatever runs and starts the head of the thread's queue, pending or failed,
/// whenever the thread is idle, until the queue is empty and the thread idle. A turn that ends
/// by itself meanwhile is no error.
fn empty_queue(driver: &mut Driver, thread_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "{thread_id} never becomes idle with an empty queue");
        let listed = driver.request("thread/queue/list", json!({"threadId": thread_id, "limit": 100}));
        let rows = listed["result"]["data"].as_array().cloned().unwrap_or_else(|| panic!("{listed}"));
        let read = driver.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
        let thread = &read["result"]["thread"];
        let status = &thread["status"]["type"];
        assert!(status == "idle" || status == "active" || status == "systemError", "{thread_id} is not loaded: {read}");
        let running =
            thread["turns"].as_array().and_then(|turns| turns.iter().find(|turn| turn["status"] == "inProgress"));
        let (method, params) = match (running, rows.is_empty()) {
            (Some(turn), _) => ("turn/interrupt", json!({"threadId": thread_id, "turnId": turn["id"]})),
            (None, false) => ("thread/queue/start", json!({"threadId": thread_id})),
            (None, true) => return,
        };
        let answer = driver.request(method, params);
        let raced = ["no active turn", "expected active turn id", "already has an active turn", "no queued turn"];
        let text = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(
            answer.get("result").is_some() || raced.iter().any(|race| text.contains(race)),
            "{method} on {thread_id}: {answer}"
        );
        driver.drain(Duration::from_millis(20));
    }
}

/// What every connection heard: explained errors only, the queue rules on every thread, and
/// one turn per queued text however many connections heard it.
fn check_wire(drivers: &[Driver], threads: &[TestThread]) {
    let mut wrong: Vec<String> = drivers.iter().flat_map(unexplained_errors).collect();
    let mut started: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let heard: Vec<_> = drivers.iter().map(by_thread).collect();
    for thread in threads {
        for (at, driver) in drivers.iter().enumerate() {
            let messages = heard[at].get(&thread.id).map_or(&[][..], Vec::as_slice);
            let (broken, heard) = broken_rules(driver, &thread.id, messages, at == thread.owner);
            wrong.extend(broken);
            for (text, turn_id) in heard {
                started.entry(text).or_default().insert(turn_id);
            }
        }
    }
    for (text, turns) in &started {
        if turns.len() > 1 {
            wrong.push(format!("queued turn {text:?} started as several turns: {turns:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} violations:\n{}", wrong.len(), wrong.join("\n"));
    assert!(!started.is_empty(), "no queued turn ever started");
    // Every kind of request got through at least once, and nearly every kind that reads or writes
    // the store before it answers was also refused (the rarest may draw no fault in one run).
    let mut answered: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for driver in drivers {
        for message in driver.log.iter().filter(|message| is_answer(message)) {
            let id = message["id"].as_i64().unwrap_or_default();
            let Some((method, _)) = driver.sent.get(&id) else { continue };
            let counts = answered.entry(method.as_str()).or_default();
            if message.get("result").is_some() {
                counts.0 += 1
            } else if message["error"]["code"] == -32603 {
                counts.1 += 1
            }
        }
    }
    let reads_or_writes_first = [
        "turn/start",
        "thread/name/set",
        "thread/archive",
        "thread/unarchive",
        "thread/resume",
        "thread/delete",
        "thread/list",
        "thread/queue/add",
        "thread/queue/list",
        "thread/queue/delete",
        "thread/queue/reorder",
        "thread/queue/update",
        "thread/queue/start",
    ];
    let answers_first = ["turn/interrupt", "thread/read", "thread/compact/start"];
    let count = |method: &str| answered.get(method).copied().unwrap_or_default();
    for method in reads_or_writes_first.into_iter().chain(answers_first) {
        assert!(count(method).0 > 0, "{method} never succeeded");
    }
    let never_refused: Vec<&str> = reads_or_writes_first.into_iter().filter(|method| count(method).1 == 0).collect();
    assert!(never_refused.len() <= 2, "never refused: {never_refused:?}");
}

/// The stores after the run: the conformance audits pass, every turn a client saw completed is
/// stored completed, and no queued turn is left, dispatching or visible.
fn check_stores(stores: &FlakyStores, drivers: &[Driver], threads: &[TestThread], deleted: &[String]) {
    use futures::executor::block_on;
    let counts = stores.faults.counts();
    let refused_ops = counts.values().filter(|count| count.failed > 0).count();
    assert!(stores.faults.injected() >= 100 && refused_ops >= 10, "too few faults to mean anything: {counts:?}");
    for archived in [false, true] {
        let query = ThreadListQuery { archived, ..Default::default() };
        block_on(audit_thread_list(stores.threads.as_ref(), query, &[1, 2, 5]))
            .unwrap_or_else(|error| panic!("{error}"));
    }
    for thread in threads {
        let history = block_on(audit_thread(stores.threads.as_ref(), &thread.id))
            .unwrap_or_else(|error| panic!("{error}"))
            .unwrap_or_else(|| panic!("{} is not stored", thread.id));
        let stored: BTreeMap<String, String> = history
            .turns()
            .into_iter()
            .map(|turn| (turn.id, serde_json::to_value(turn.status).unwrap().as_str().unwrap_or_default().to_owned()))
            .collect();
        let completed = drivers[thread.owner].log.iter().filter(|m| {
            !is_answer(m)
                && m["method"] == "turn/completed"
                && m["params"]["threadId"] == thread.id.as_str()
                && m["params"]["turn"]["status"] == "completed"
        });
        for message in completed {
            let turn_id = message["params"]["turn"]["id"].as_str().unwrap_or_default();
            assert_eq!(stored.get(turn_id).map(String::as_str), Some("completed"), "{} lost turn {turn_id}", thread.id);
        }
        let visible =
            block_on(audit_queue(stores.queue.as_ref(), &thread.id, &[1, 3])).unwrap_or_else(|error| panic!("{error}"));
        assert!(visible.is_empty(), "{} still queues {visible:?}", thread.id);
    }
    for thread_id in deleted {
        let history =
            block_on(audit_thread(stores.threads.as_ref(), thread_id)).unwrap_or_else(|error| panic!("{error}"));
        assert!(history.is_none(), "deleted thread {thread_id} is still stored");
    }
    assert!(!deleted.is_empty(), "no thread was ever deleted");
    let rows = stores.queue.rows();
    audit_rows(&rows).unwrap_or_else(|error| panic!("{error}"));
    assert!(rows.is_empty(), "rows left behind: {rows:?}");
}
