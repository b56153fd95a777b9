//! `thread/queue/add`, `list`, `delete`, `reorder`, `update` and the drain rules of PROTOCOL.md
//! §6.1, through the public JSON-RPC API: the seed's scenarios and the exact notification order.

use std::sync::Arc;

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::store::QueueStore;
use spindle_core::store::memory_queue::MemoryQueueStore;

use crate::support::hanging::{HANG, HangingModel};
use crate::support::queue::{add, busy_thread, changed, ids, interrupt, listed, text, turn_params, user_texts};
use crate::support::{Client, engine, engine_over, is, methods, test_options};

/// Reads through the `count`th `turn/completed`.
fn turns(client: &Client, count: usize) -> Vec<Value> {
    let mut messages = Vec::new();
    for _ in 0..count {
        messages.extend(client.until(is("turn/completed")));
    }
    messages
}

#[test]
fn thread_queue_add_on_an_idle_thread_answers_announces_and_dispatches_in_the_seed_order() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    // The params come back verbatim: the other spelling of the thread id and unknown fields stay.
    let params = json!({"threadId": thread_id.to_uppercase(), "input": text("queued hello"),
        "clientUserMessageId": "client-1", "approvalPolicy": "never"});
    client.send(
        json!({"id": 7, "method": "thread/queue/add", "params": {"threadId": thread_id, "turnStartParams": params}}),
    );
    let messages = client.until(is("turn/completed"));

    let queued = json!({"id": messages[0]["result"]["queuedTurn"]["id"], "turnStartParams": params, "status": {"type": "pending"}});
    assert_eq!(messages[0], json!({"id": 7, "result": {"queuedTurn": queued}}));
    assert_eq!(messages[1]["params"], json!({"threadId": thread_id, "queuedTurns": [queued]}));
    assert_eq!(messages[2]["params"], json!({"threadId": thread_id, "queuedTurns": []}));
    assert_eq!(messages[3]["params"]["status"], json!({"type": "active", "activeFlags": []}));
    let deltas = messages.iter().filter(|m| m["method"] == "item/agentMessage/delta").count();
    let mut expected = vec![
        "response",
        "thread/queue/changed",
        "thread/queue/changed",
        "thread/status/changed",
        "turn/started",
        "item/started",
        "item/completed",
        "item/started",
    ];
    expected.extend(std::iter::repeat_n("item/agentMessage/delta", deltas));
    expected.extend(["item/completed", "thread/tokenUsage/updated", "thread/status/changed", "turn/completed"]);
    assert_eq!(methods(&messages), expected);

    // The turn is started from the stored params exactly as turn/start would start it.
    let started = &messages[4]["params"]["turn"];
    assert_eq!(started["status"], json!("inProgress"));
    let user_message = &messages[5]["params"]["item"];
    assert_eq!(
        (user_message["clientId"].clone(), user_message["content"].clone()),
        (json!("client-1"), text("queued hello"))
    );
    let completed = &messages.last().unwrap()["params"]["turn"];
    assert_eq!((completed["id"].clone(), completed["status"].clone()), (started["id"].clone(), json!("completed")));
    assert_eq!(listed(&mut client, &thread_id), json!([]));
    client.assert_silent(100);
}

#[test]
fn thread_queue_on_a_busy_thread_lists_pages_reorders_and_deletes_before_draining() {
    let engine = engine(Some(HangingModel::new()), None);
    let mut client = Client::initialized(&engine);
    let (thread_id, turn_id) = busy_thread(&mut client);
    let mut queued = Vec::new();
    for n in 1..=3 {
        queued.push(add(&mut client, &thread_id, &format!("queued {n}")));
        assert_eq!(changed(&client), queued);
    }
    let [q1, q2, q3] = [queued[0].clone(), queued[1].clone(), queued[2].clone()];

    let page = |client: &mut Client, params: Value| {
        let mut params = params;
        params["threadId"] = json!(thread_id);
        let answer = client.request("thread/queue/list", params);
        (ids(&answer["result"]["data"]), answer["result"]["nextCursor"].clone())
    };
    assert_eq!(page(&mut client, json!({"limit": 2})), (vec![q1.clone(), q2.clone()], json!("2")));
    assert_eq!(page(&mut client, json!({"limit": 2, "cursor": "2"})), (vec![q3.clone()], Value::Null));
    assert_eq!(page(&mut client, json!({})), (queued.clone(), Value::Null));
    // The page size is clamped to 1..=100, as for the other lists.
    assert_eq!(page(&mut client, json!({"limit": 0})), (vec![q1.clone()], json!("1")));
    assert_eq!(page(&mut client, json!({"limit": 1000})), (queued.clone(), Value::Null));
    assert_eq!(page(&mut client, json!({"cursor": "3"})), (Vec::new(), Value::Null));

    let reordered =
        client.request("thread/queue/reorder", json!({"threadId": thread_id, "queuedTurnIds": [q3, q1, q2]}));
    assert_eq!(ids(&reordered["result"]["queuedTurns"]), [q3.clone(), q1.clone(), q2.clone()]);
    assert_eq!(changed(&client), [q3.clone(), q1.clone(), q2.clone()]);

    let deleted = client.request("thread/queue/delete", json!({"threadId": thread_id, "queuedTurnId": q1}));
    assert_eq!(deleted["result"], json!({"deleted": true}));
    assert_eq!(changed(&client), [q3.clone(), q2.clone()]);
    // Nothing visible changes on a second delete, so nothing is announced.
    let again = client.request("thread/queue/delete", json!({"threadId": thread_id, "queuedTurnId": q1}));
    assert_eq!(again["result"], json!({"deleted": false}));
    client.assert_silent(100);

    // The running turn ends; the queue drains in its new order, one turn after the other.
    interrupt(&mut client, &thread_id, &turn_id);
    assert_eq!(changed(&client), vec![q2.clone()]);
    let first = client.until(is("turn/completed"));
    assert_eq!(changed(&client), Vec::<String>::new());
    let second = client.until(is("turn/completed"));
    assert_eq!(user_texts(&[first, second].concat()), ["queued 3", "queued 2"]);
    assert_eq!(listed(&mut client, &thread_id), json!([]));
}

#[test]
fn thread_queue_turns_stay_serial_after_the_first_dispatch() {
    let engine = engine(Some(HangingModel::new()), None);
    let mut client = Client::initialized(&engine);
    let (thread_id, turn_id) = busy_thread(&mut client);
    let first = add(&mut client, &thread_id, &format!("{HANG} first queued"));
    changed(&client);
    let second = add(&mut client, &thread_id, "second queued");
    assert_eq!(changed(&client), [first.clone(), second.clone()]);

    interrupt(&mut client, &thread_id, &turn_id);
    assert_eq!(changed(&client), vec![second.clone()]);
    let started = client.until(|m| m["method"] == "item/completed");
    assert_eq!(methods(&started), ["thread/status/changed", "turn/started", "item/started", "item/completed"]);
    let first_turn = started[1]["params"]["turn"]["id"].as_str().unwrap().to_owned();
    // The first queued turn runs; the second waits for it, visible and pending.
    client.assert_silent(200);
    assert_eq!(ids(&listed(&mut client, &thread_id)), vec![second.clone()]);

    interrupt(&mut client, &thread_id, &first_turn);
    assert_eq!(changed(&client), Vec::<String>::new());
    let last = client.until(is("turn/completed"));
    assert_eq!(user_texts(&last), ["second queued"]);
    assert_eq!(last.last().unwrap()["params"]["turn"]["status"], json!("completed"));
}

#[test]
fn thread_queue_waits_for_a_just_accepted_direct_turn() {
    let engine = engine(Some(HangingModel::new()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    // turn/start and thread/queue/add back to back: the direct turn was accepted first, so the
    // queued turn must not start ahead of it.
    let direct = json!({"threadId": thread_id, "input": text(&format!("{HANG} direct"))});
    client.send(json!({"id": "direct", "method": "turn/start", "params": direct}));
    client.send(json!({"id": "queued", "method": "thread/queue/add", "params": {"threadId": thread_id,
        "turnStartParams": turn_params(&thread_id, "queued")}}));
    let messages = client.until(is("thread/queue/changed"));
    assert_eq!(
        methods(&messages),
        [
            "response",
            "thread/status/changed",
            "turn/started",
            "item/started",
            "item/completed",
            "response",
            "thread/queue/changed"
        ]
    );
    let direct_turn = messages[0]["result"]["turn"]["id"].as_str().unwrap().to_owned();
    let queued_id = messages[5]["result"]["queuedTurn"]["id"].as_str().unwrap().to_owned();
    assert_eq!(ids(&messages[6]["params"]), [queued_id]);
    client.assert_silent(200);

    interrupt(&mut client, &thread_id, &direct_turn);
    assert_eq!(changed(&client), Vec::<String>::new());
    assert_eq!(user_texts(&client.until(is("turn/completed"))), ["queued"]);
}

#[test]
fn thread_queue_drains_at_once_after_a_direct_turn_already_completed() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    client.request("turn/start", json!({"threadId": thread_id, "input": text("direct")}));
    client.until(is("turn/completed"));
    let queued = add(&mut client, &thread_id, "queued after");
    assert_eq!(changed(&client), [queued]);
    assert_eq!(changed(&client), Vec::<String>::new());
    let turn = client.until(is("turn/completed"));
    assert_eq!(methods(&turn)[..2], ["thread/status/changed", "turn/started"]);
    assert_eq!(user_texts(&turn), ["queued after"]);
}

#[test]
fn thread_queue_update_edits_a_row_in_place() {
    let engine = engine(Some(HangingModel::new()), None);
    let mut client = Client::initialized(&engine);
    let (thread_id, turn_id) = busy_thread(&mut client);
    let first = add(&mut client, &thread_id, "first draft");
    changed(&client);
    let second = add(&mut client, &thread_id, "second");
    changed(&client);

    let edited = json!({"threadId": thread_id, "input": text("first, edited"), "clientUserMessageId": "edit-1"});
    let answer = client.request(
        "thread/queue/update",
        json!({"threadId": thread_id, "queuedTurnId": first, "turnStartParams": edited}),
    );
    let row = json!({"id": first, "turnStartParams": edited, "status": {"type": "pending"}});
    assert_eq!(answer["result"], json!({"queuedTurn": row}));
    let notification = client.next();
    assert_eq!(notification["method"], json!("thread/queue/changed"));
    assert_eq!(ids(&notification["params"]), [first.clone(), second.clone()]);
    assert_eq!(notification["params"]["queuedTurns"][0], row);

    interrupt(&mut client, &thread_id, &turn_id);
    let drained = turns(&client, 2);
    assert_eq!(user_texts(&drained), ["first, edited", "second"]);
    let user_message = drained.iter().find(|m| m["method"] == "item/started").unwrap();
    assert_eq!(user_message["params"]["item"]["clientId"], json!("edit-1"));
}

#[test]
fn thread_queue_adds_from_two_connections_are_kept_once_each_in_acceptance_order() {
    const PER_CLIENT: usize = 10;
    let engine = engine(Some(HangingModel::new()), None);
    let mut owner = Client::initialized(&engine);
    let (thread_id, _) = busy_thread(&mut owner);
    let mut other = Client::initialized(&engine);
    other.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));
    // The resume re-sends a waiting queue once its actor gets to it; a list request queues behind that.
    assert_eq!(listed(&mut other, &thread_id), json!([]));

    let request = |client: &str, n: usize| {
        json!({"id": format!("{client}-{n}"), "method": "thread/queue/add", "params": {"threadId": thread_id,
            "turnStartParams": turn_params(&thread_id, &format!("{client} {n}"))}})
    };
    std::thread::scope(|scope| {
        for (name, client) in [("owner", &owner), ("other", &other)] {
            let connection = &client.connection;
            let request = &request;
            scope.spawn(move || {
                for n in 0..PER_CLIENT {
                    connection.send(request(name, n).to_string()).expect("connection open");
                }
            });
        }
    });

    let mut orders = Vec::new();
    for (name, client) in [("owner", &owner), ("other", &other)] {
        // Both are subscribed: each sees its own answers and every add's announcement, in order.
        let mut mine = Vec::new();
        let mut announced: Vec<Vec<String>> = Vec::new();
        while mine.len() < PER_CLIENT || announced.last().map_or(0, Vec::len) < 2 * PER_CLIENT {
            let message = client.next();
            if message["method"] == "thread/queue/changed" {
                announced.push(ids(&message["params"]));
            } else {
                assert!(message["id"].as_str().is_some_and(|id| id.starts_with(name)), "{message}");
                mine.push(message["result"]["queuedTurn"]["turnStartParams"]["input"][0]["text"].clone());
            }
        }
        // Answers come in the order each connection sent its requests.
        assert_eq!(mine, (0..PER_CLIENT).map(|n| json!(format!("{name} {n}"))).collect::<Vec<_>>());
        // Every announcement adds exactly one row at the end: adds are applied one at a time.
        for (n, queue) in announced.iter().enumerate() {
            assert_eq!(queue.len(), n + 1);
            assert_eq!(queue[..n], announced[n.saturating_sub(1)][..n]);
        }
        orders.push(announced.pop().unwrap());
    }
    let final_order = listed(&mut owner, &thread_id);
    assert_eq!(ids(&final_order), orders[0]);
    assert_eq!(orders[0], orders[1]);
    let mut unique = orders[0].clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 2 * PER_CLIENT);
    // Within each connection, its rows keep the order it sent them in.
    for name in ["owner", "other"] {
        let texts: Vec<String> = final_order
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|row| row["turnStartParams"]["input"][0]["text"].as_str())
            .filter(|text| text.starts_with(name))
            .map(str::to_owned)
            .collect();
        assert_eq!(texts, (0..PER_CLIENT).map(|n| format!("{name} {n}")).collect::<Vec<_>>());
    }
}

#[test]
fn thread_delete_removes_the_thread_queue() {
    let queue = Arc::new(MemoryQueueStore::new());
    let engine = engine_over(test_options(), Some(HangingModel::new()), None, Some(queue.clone()));
    let mut client = Client::initialized(&engine);
    let (thread_id, _) = busy_thread(&mut client);
    let (other_thread, _) = busy_thread(&mut client);
    for thread in [&thread_id, &other_thread] {
        add(&mut client, thread, "kept until the thread goes");
        changed(&client);
    }
    client.send(json!({"id": "delete", "method": "thread/delete", "params": {"threadId": thread_id}}));
    let deleted = client.until(is("thread/deleted"));
    assert!(deleted.iter().all(|m| m.get("error").is_none()), "{deleted:?}");
    let remaining = |thread: &str| block_on(queue.list_visible(thread.to_owned(), 0, 100)).expect("list").0.len();
    assert_eq!((remaining(&thread_id), remaining(&other_thread)), (0, 1));
}

#[test]
fn thread_queue_changed_reaches_only_connections_with_the_experimental_api() {
    let engine = engine(None, None);
    let mut owner = Client::initialized(&engine);
    let thread_id = owner.start_thread(json!({}));
    let mut plain = Client::connect(&engine);
    plain.request("initialize", json!({"clientInfo": {"name": "plain", "title": null, "version": "1"}}));
    plain.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));

    add(&mut owner, &thread_id, "queued");
    let seen = owner.until(is("turn/completed"));
    assert_eq!(methods(&seen).iter().filter(|m| *m == "thread/queue/changed").count(), 2);
    let heard = plain.until(is("turn/completed"));
    assert_eq!(methods(&heard)[..2], ["thread/status/changed", "turn/started"]);
    assert!(!methods(&heard).iter().any(|m| m == "thread/queue/changed"), "{heard:?}");
}
