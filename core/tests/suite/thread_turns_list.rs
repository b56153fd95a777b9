//! `thread/turns/list` (PROTOCOL.md §4.12, transcript 03): items views, cursors both ways, loaded
//! and stored threads, errors.

use std::sync::Arc;

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::Engine;
use spindle_core::store::memory::MemoryThreadStore;
use spindle_core::store::{HistoryRecord, StoredThread, ThreadStore};

use crate::support::golden::{self, assert_same_shape};
use crate::support::hanging::HangsAfterFirstTurn;
use crate::support::{Client, engine, is};

const TRANSCRIPT: &str = "03_two_turns_read";
const THREAD: &str = "00000000-0000-4000-8000-000000000001";

/// Runs a turn and returns its id.
fn run_turn(client: &mut Client, thread_id: &str, text: &str) -> String {
    let input = json!([{"type": "text", "text": text, "text_elements": []}]);
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": input}));
    client.until(is("turn/completed"));
    answer["result"]["turn"]["id"].as_str().unwrap().to_owned()
}

fn turn_ids(answer: &Value) -> Vec<String> {
    let data = answer["result"]["data"].as_array().unwrap_or_else(|| panic!("a page: {answer}"));
    data.iter().map(|turn| turn["id"].as_str().unwrap().to_owned()).collect()
}

fn turn_id(n: u32) -> String {
    format!("00000000-0000-7000-8000-{n:012}")
}

fn item(kind: &str, id: &str) -> Value {
    let details = match kind {
        "userMessage" => json!({"clientId": null, "content": [{"type": "text", "text": id, "text_elements": []}]}),
        "agentMessage" => json!({"moderation": null, "text": id, "phase": null, "memoryCitation": null,
            "delivery": null, "questions": null}),
        _ => json!({"summary": [], "content": []}),
    };
    let mut item = json!({"type": kind, "id": id, "startedAtMs": 1, "completedAtMs": 2});
    item.as_object_mut().unwrap().extend(details.as_object().unwrap().clone());
    item
}

/// A finished turn `n` as history keeps it, with `items`.
fn turn(n: u32, items: Vec<Value>) -> HistoryRecord {
    let turn = json!({"id": turn_id(n), "rootTurnId": turn_id(n), "items": items, "itemsView": "full",
        "status": "completed", "error": null, "startedAt": 1, "completedAt": 2, "durationMs": 1000});
    serde_json::from_value(json!({"type": "turn", "turn": turn})).unwrap()
}

/// An engine whose store holds thread `THREAD` (not loaded) with `records`, and a client.
fn seeded(records: Vec<HistoryRecord>) -> (Engine, Client) {
    let thread = json!({
        "id": THREAD, "environments": null, "extra": null, "sessionId": THREAD, "forkedFromId": null,
        "attachedToThreadId": null, "parentThreadId": null, "preview": "stored", "ephemeral": false,
        "section": null, "sectionEnteredAt": null, "projectId": null, "historyMode": "paginated",
        "modelProvider": "mock_provider", "model": "mock-model", "reasoningEffort": null, "createdAt": 1,
        "updatedAt": 1, "recencyAt": 1, "status": {"type": "idle"}, "path": null, "cwd": "/w",
        "cliVersion": "0.1.0", "originator": "tests", "source": "vscode", "canAcceptDirectInput": true,
        "threadSource": null, "agentNickname": null, "agentRole": null, "gitInfo": null, "name": null,
        "daybreakEnabled": null, "turns": []
    });
    let stored: StoredThread = serde_json::from_value(json!({"thread": thread, "settings": {}})).unwrap();
    let store = Arc::new(MemoryThreadStore::new());
    block_on(store.create(stored)).unwrap();
    block_on(store.append(THREAD.into(), records)).unwrap();
    let engine = engine(None, Some(store));
    let client = Client::initialized(&engine);
    (engine, client)
}

fn plain_turns(count: u32) -> Vec<HistoryRecord> {
    (1..=count).map(|n| turn(n, vec![item("userMessage", &format!("u{n}"))])).collect()
}

#[test]
fn thread_turns_list_pages_a_loaded_thread_like_transcript_03() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({"model": "mock-model"}));
    let first = run_turn(&mut client, &thread_id, "first question");
    let second = run_turn(&mut client, &thread_id, "second question");

    let newest_first = client.request("thread/turns/list", json!({"threadId": thread_id}));
    assert_same_shape(&newest_first, &golden::response(TRANSCRIPT, 7));
    assert_eq!(turn_ids(&newest_first), [second.clone(), first.clone()]);
    let summary = &newest_first["result"]["data"][0];
    assert_eq!(summary["itemsView"], json!("summary"));
    let kinds: Vec<&Value> = summary["items"].as_array().unwrap().iter().map(|item| &item["type"]).collect();
    assert_eq!(kinds, [&json!("userMessage"), &json!("agentMessage")]);
    assert_eq!(newest_first["result"]["nextCursor"], Value::Null);

    let params = json!({"threadId": thread_id, "limit": 1, "sortDirection": "asc", "itemsView": "full"});
    let page_one = client.request("thread/turns/list", params.clone());
    assert_same_shape(&page_one, &golden::response(TRANSCRIPT, 8));
    assert_eq!(turn_ids(&page_one), [first]);
    let mut next = params;
    next["cursor"] = page_one["result"]["nextCursor"].clone();
    let page_two = client.request("thread/turns/list", next);
    assert_same_shape(&page_two, &golden::response(TRANSCRIPT, 9));
    assert_eq!(turn_ids(&page_two), [second]);
    assert_eq!(page_two["result"]["nextCursor"], Value::Null);

    // The full view is exactly what `thread/read {includeTurns}` shows.
    let read = client.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let full = client
        .request("thread/turns/list", json!({"threadId": thread_id, "sortDirection": "asc", "itemsView": "full"}));
    assert_eq!(full["result"]["data"], read["result"]["thread"]["turns"]);
}

#[test]
fn thread_turns_list_views_keep_all_items_none_or_the_first_question_and_last_answer() {
    let items = vec![
        item("userMessage", "u1"),
        item("reasoning", "r1"),
        item("agentMessage", "a1"),
        item("userMessage", "u2"),
        item("agentMessage", "a2"),
    ];
    let (_engine, mut client) = seeded(vec![turn(1, items.clone()), turn(2, vec![item("userMessage", "only")])]);
    let view = |client: &mut Client, view: &str| {
        let answer =
            client.request("thread/turns/list", json!({"threadId": THREAD, "itemsView": view, "sortDirection": "asc"}));
        let data = answer["result"]["data"].as_array().unwrap().clone();
        data.iter().map(|turn| (turn["itemsView"].clone(), turn["items"].clone())).collect::<Vec<_>>()
    };
    assert_eq!(
        view(&mut client, "summary"),
        [
            (json!("summary"), json!([item("userMessage", "u1"), item("agentMessage", "a2")])),
            (json!("summary"), json!([item("userMessage", "only")])),
        ]
    );
    assert_eq!(
        view(&mut client, "full"),
        [(json!("full"), json!(items)), (json!("full"), json!([item("userMessage", "only")]))]
    );
    assert_eq!(view(&mut client, "notLoaded"), [(json!("notLoaded"), json!([])), (json!("notLoaded"), json!([]))]);
}

#[test]
fn thread_turns_list_backwards_cursor_includes_its_anchor_turn() {
    let (_engine, mut client) = seeded(plain_turns(5));
    let first = client.request("thread/turns/list", json!({"threadId": THREAD, "limit": 2}));
    assert_eq!(turn_ids(&first), [turn_id(5), turn_id(4)]);
    let second = client
        .request("thread/turns/list", json!({"threadId": THREAD, "limit": 2, "cursor": first["result"]["nextCursor"]}));
    assert_eq!(turn_ids(&second), [turn_id(3), turn_id(2)]);
    let third = client.request(
        "thread/turns/list",
        json!({"threadId": THREAD, "limit": 2, "cursor": second["result"]["nextCursor"]}),
    );
    assert_eq!((turn_ids(&third), &third["result"]["nextCursor"]), (vec![turn_id(1)], &Value::Null));

    let back = client.request(
        "thread/turns/list",
        json!({"threadId": THREAD, "sortDirection": "asc", "cursor": second["result"]["backwardsCursor"]}),
    );
    assert_eq!(turn_ids(&back), [turn_id(3), turn_id(4), turn_id(5)]);
}

#[test]
fn thread_turns_list_limit_defaults_to_25_and_is_clamped_to_1_through_100() {
    let (_engine, mut client) = seeded(plain_turns(120));
    let page_size = |client: &mut Client, limit: Value| {
        turn_ids(&client.request("thread/turns/list", json!({"threadId": THREAD, "limit": limit}))).len()
    };
    assert_eq!(page_size(&mut client, Value::Null), 25);
    assert_eq!(page_size(&mut client, json!(0)), 1);
    assert_eq!(page_size(&mut client, json!(1000)), 100);
}

#[test]
fn thread_turns_list_of_a_thread_without_turns_is_an_empty_page() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    assert_eq!(
        client.request("thread/turns/list", json!({"threadId": thread_id, "cursor": "ignored"}))["result"],
        json!({"data": [], "nextCursor": null, "backwardsCursor": null})
    );
}

#[test]
fn thread_turns_list_includes_the_running_turn_of_a_loaded_thread() {
    let engine = engine(Some(HangsAfterFirstTurn::new()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    run_turn(&mut client, &thread_id, "first");
    let input = json!([{"type": "text", "text": "second", "text_elements": []}]);
    let running = client.request("turn/start", json!({"threadId": thread_id, "input": input}));
    client.until(|message| message["method"] == "item/completed");

    let listed = client.request("thread/turns/list", json!({"threadId": thread_id, "limit": 1}));
    let turn = &listed["result"]["data"][0];
    assert_eq!((&turn["id"], &turn["status"]), (&running["result"]["turn"]["id"], &json!("inProgress")));
    assert_eq!(turn["items"][0]["content"][0]["text"], json!("second"));
    assert!(listed["result"]["nextCursor"].is_string(), "{listed}");
}

#[test]
fn thread_turns_list_reads_an_archived_thread_from_the_store() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let turn = run_turn(&mut client, &thread_id, "keep me");
    client.send(json!({"id": "archive", "method": "thread/archive", "params": {"threadId": thread_id}}));
    client.until(is("thread/archived"));
    let listed = client.request("thread/turns/list", json!({"threadId": thread_id.to_uppercase()}));
    assert_eq!(turn_ids(&listed), [turn]);
}

#[test]
fn thread_turns_list_errors_use_upstream_texts() {
    let (_engine, mut client) = seeded(plain_turns(2));
    let error = |client: &mut Client, params: Value| client.request("thread/turns/list", params)["error"].clone();
    let unknown = "00000000-0000-4000-8000-00000000ffff";
    assert_eq!(
        error(&mut client, json!({"threadId": unknown})),
        json!({"code": -32600, "message": format!("thread not loaded: {unknown}")})
    );
    assert!(
        error(&mut client, json!({"threadId": "nope"}))["message"].as_str().unwrap().starts_with("invalid thread id: "),
    );
    assert_eq!(
        error(&mut client, json!({"threadId": THREAD, "cursor": "x"})),
        json!({"code": -32600, "message": "invalid cursor: x"})
    );
    let foreign = json!({"turnId": turn_id(99), "includeAnchor": false}).to_string();
    assert_eq!(
        error(&mut client, json!({"threadId": THREAD, "cursor": foreign})),
        json!({"code": -32600, "message": "invalid cursor: anchor turn is no longer present"})
    );
    let ephemeral = client.start_thread(json!({"ephemeral": true}));
    assert_eq!(
        error(&mut client, json!({"threadId": ephemeral})),
        json!({"code": -32600, "message": "ephemeral threads do not support thread/turns/list"})
    );
}
