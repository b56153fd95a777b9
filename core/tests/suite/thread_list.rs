//! `thread/list` (PROTOCOL.md §4.5, transcript 07): paging, sort keys, filters, archived, turnless
//! threads omitted, status as loaded.

use std::sync::Arc;

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::Engine;
use spindle_core::store::memory::MemoryThreadStore;
use spindle_core::store::{StoredThread, ThreadStore};

use crate::support::golden::{self, assert_same_shape};
use crate::support::hanging::HangsAfterFirstTurn;
use crate::support::{Client, engine, is};

const TRANSCRIPT: &str = "07_list_archive_name";

fn run_turn(client: &mut Client, thread_id: &str, text: &str) {
    let input = json!([{"type": "text", "text": text, "text_elements": []}]);
    client.request("turn/start", json!({"threadId": thread_id, "input": input}));
    client.until(is("turn/completed"));
}

/// The golden response to request `id`, with `readStates` emptied as the core keeps none.
fn golden_list(id: i64) -> Value {
    let mut response = golden::response(TRANSCRIPT, id);
    response["result"]["readStates"] = json!({});
    response
}

fn ids(answer: &Value) -> Vec<String> {
    let data = answer["result"]["data"].as_array().unwrap_or_else(|| panic!("a page: {answer}"));
    data.iter().map(|thread| thread["id"].as_str().unwrap().to_owned()).collect()
}

/// A canonical thread id for test thread `n`.
fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A stored thread `n` with preview `thread n`, made at `created_at` and last updated at `updated_at`.
fn stored(n: u32, created_at: i64, updated_at: i64) -> StoredThread {
    let thread = json!({
        "id": id(n), "environments": null, "extra": null, "sessionId": id(n), "forkedFromId": null,
        "attachedToThreadId": null, "parentThreadId": null, "preview": format!("thread {n}"), "ephemeral": false,
        "section": null, "sectionEnteredAt": null, "projectId": null, "historyMode": "paginated",
        "modelProvider": "mock_provider", "model": "mock-model", "reasoningEffort": null, "createdAt": created_at,
        "updatedAt": updated_at, "recencyAt": null, "status": {"type": "idle"}, "path": null, "cwd": "/w",
        "cliVersion": "0.1.0", "originator": "tests", "source": "vscode", "canAcceptDirectInput": true,
        "threadSource": null, "agentNickname": null, "agentRole": null, "gitInfo": null, "name": null,
        "daybreakEnabled": null, "turns": []
    });
    serde_json::from_value(json!({"thread": thread, "settings": {}})).unwrap()
}

/// An engine over a memory store holding `threads`, and an initialized client.
fn seeded(threads: Vec<StoredThread>) -> (Engine, Client) {
    let store = Arc::new(MemoryThreadStore::new());
    for thread in threads {
        block_on(store.create(thread)).unwrap();
    }
    let engine = engine(None, Some(store));
    let client = Client::initialized(&engine);
    (engine, client)
}

/// Every page of `params` (without cursor), following `nextCursor`.
fn all_pages(client: &mut Client, params: Value) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut params = params;
    loop {
        let answer = client.request("thread/list", params.clone());
        pages.push(ids(&answer));
        match answer["result"]["nextCursor"].as_str() {
            Some(cursor) => params["cursor"] = json!(cursor),
            None => return pages,
        }
    }
}

#[test]
fn thread_list_pages_loaded_threads_like_transcript_07() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let alpha = client.start_thread(json!({"model": "mock-model"}));
    // A thread without a turn is not listed (request 3 of the transcript).
    assert_eq!(client.request("thread/list", json!({}))["result"], golden::response(TRANSCRIPT, 3)["result"]);

    run_turn(&mut client, &alpha, "alpha question");
    let beta = client.start_thread(json!({"model": "mock-model"}));
    run_turn(&mut client, &beta, "beta question");
    client.request("thread/name/set", json!({"threadId": alpha, "name": "Alpha thread"}));
    assert_eq!(client.next()["method"], json!("thread/name/updated"));

    let first = client.request("thread/list", json!({"limit": 1}));
    assert_same_shape(&first, &golden_list(8));
    assert_eq!(ids(&first), [beta.as_str()]);
    let next_cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
    assert!(next_cursor.ends_with(&format!("|{beta}")), "{next_cursor}");
    assert!(first["result"]["backwardsCursor"].as_str().is_some_and(|cursor| !cursor.contains('|')), "{first}");

    // A loaded thread is listed as `thread/read` shows it, minus turns and direct input.
    let mut expected = client.request("thread/read", json!({"threadId": beta}))["result"]["thread"].clone();
    expected["canAcceptDirectInput"] = Value::Null;
    assert_eq!(first["result"]["data"][0], expected);
    assert_eq!(expected["status"], json!({"type": "idle"}));

    let second = client.request("thread/list", json!({"limit": 1, "cursor": next_cursor}));
    assert_same_shape(&second, &golden_list(9));
    assert_eq!(ids(&second), [alpha.as_str()]);
    assert_eq!(second["result"]["data"][0]["name"], json!("Alpha thread"));
    assert_eq!(second["result"]["nextCursor"], Value::Null);

    let by_update = client.request("thread/list", json!({"sortKey": "updated_at", "sortDirection": "asc"}));
    assert_same_shape(&by_update, &golden_list(10));
    assert_eq!(ids(&by_update), [alpha.clone(), beta.clone()]);

    client.send(json!({"id": "archive", "method": "thread/archive", "params": {"threadId": alpha}}));
    client.until(is("thread/archived"));
    let unarchived_only = client.request("thread/list", json!({}));
    assert_same_shape(&unarchived_only, &golden_list(12));
    assert_eq!(ids(&unarchived_only), [beta.as_str()]);

    let archived = client.request("thread/list", json!({"archived": true}));
    assert_same_shape(&archived, &golden_list(13));
    assert_eq!(ids(&archived), [alpha.as_str()]);
    let listed = &archived["result"]["data"][0];
    assert_eq!(
        (&listed["status"], &listed["environments"], &listed["canAcceptDirectInput"], &listed["turns"]),
        (&json!({"type": "notLoaded"}), &Value::Null, &Value::Null, &json!([]))
    );
}

#[test]
fn thread_list_shows_a_running_thread_as_active() {
    let engine = engine(Some(HangsAfterFirstTurn::new()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    run_turn(&mut client, &thread_id, "first");
    let input = json!([{"type": "text", "text": "second", "text_elements": []}]);
    client.request("turn/start", json!({"threadId": thread_id, "input": input}));
    client.until(is("item/completed"));

    let listed = client.request("thread/list", json!({}));
    assert_eq!(ids(&listed), [thread_id]);
    assert_eq!(listed["result"]["data"][0]["status"], json!({"type": "active", "activeFlags": []}));
}

#[test]
fn thread_list_omits_ephemeral_threads_and_threads_without_a_preview() {
    let mut turnless = stored(2, 20, 20);
    turnless.thread.preview = String::new();
    let (_engine, mut client) = seeded(vec![stored(1, 10, 10), turnless]);
    let ephemeral = client.start_thread(json!({"ephemeral": true}));
    run_turn(&mut client, &ephemeral, "not stored");
    assert_eq!(ids(&client.request("thread/list", json!({}))), [id(1)]);
}

#[test]
fn thread_list_sorts_by_each_key_in_both_directions() {
    let mut threads = vec![stored(1, 100, 600), stored(2, 200, 500), stored(3, 300, 400)];
    threads[0].thread.recency_at = Some(100);
    threads[2].thread.recency_at = Some(700);
    let (_engine, mut client) = seeded(threads);
    let order = |client: &mut Client, params: Value| ids(&client.request("thread/list", params));
    assert_eq!(order(&mut client, json!({})), [id(3), id(2), id(1)]);
    assert_eq!(order(&mut client, json!({"sortDirection": "asc"})), [id(1), id(2), id(3)]);
    assert_eq!(order(&mut client, json!({"sortKey": "updated_at"})), [id(1), id(2), id(3)]);
    assert_eq!(order(&mut client, json!({"sortKey": "updated_at", "sortDirection": "asc"})), [id(3), id(2), id(1)]);
    // recencyAt, or updatedAt when a thread has none: 700, 500, 100.
    assert_eq!(order(&mut client, json!({"sortKey": "recency_at"})), [id(3), id(2), id(1)]);
    assert_eq!(order(&mut client, json!({"sortKey": "recency_at", "sortDirection": "asc"})), [id(1), id(2), id(3)]);
    // Loaded or not, a stored thread reads `notLoaded` with no environments until resumed.
    let listed = client.request("thread/list", json!({"limit": 1}));
    assert_eq!(listed["result"]["data"][0]["status"], json!({"type": "notLoaded"}));
    assert_eq!(listed["result"]["data"][0]["environments"], Value::Null);
}

#[test]
fn thread_list_filters_by_cwd_provider_source_search_and_archived() {
    let mut threads: Vec<StoredThread> = (1..=7).map(|n| stored(n, i64::from(n), i64::from(n))).collect();
    threads[1].thread.cwd = "/other".into();
    threads[2].thread.model_provider = "other_provider".into();
    threads[3].thread.source = json!("appServer");
    threads[4].thread.source = json!({"custom": "host"});
    threads[4].thread.name = Some("Special name".into());
    threads[5].archived = true;
    threads[6].thread.source = json!("cli");
    let (_engine, mut client) = seeded(threads);
    let list = |client: &mut Client, params: Value| ids(&client.request("thread/list", params));

    // Default: not archived, interactive sources (cli, vscode) only.
    assert_eq!(list(&mut client, json!({})), [id(7), id(3), id(2), id(1)]);
    assert_eq!(list(&mut client, json!({"cwd": "/other"})), [id(2)]);
    assert_eq!(
        list(&mut client, json!({"cwd": ["/w", "/other"], "sortDirection": "asc"})),
        [id(1), id(2), id(3), id(7)]
    );
    assert_eq!(list(&mut client, json!({"modelProviders": ["other_provider"]})), [id(3)]);
    assert_eq!(list(&mut client, json!({"modelProviders": []})), [id(7), id(3), id(2), id(1)]);
    assert_eq!(list(&mut client, json!({"sourceKinds": ["appServer"]})), [id(4)]);
    assert_eq!(list(&mut client, json!({"sourceKinds": ["cli"]})), [id(7)]);
    assert_eq!(list(&mut client, json!({"sourceKinds": []})), [id(7), id(3), id(2), id(1)]);
    // Search looks at the preview and the name, ignoring case.
    assert_eq!(list(&mut client, json!({"searchTerm": "THREAD 2"})), [id(2)]);
    assert_eq!(list(&mut client, json!({"searchTerm": "special"})), Vec::<String>::new());
    assert_eq!(list(&mut client, json!({"searchTerm": "special", "sourceKinds": ["unknown"]})), [id(5)]);
    assert_eq!(list(&mut client, json!({"archived": true})), [id(6)]);
    assert_eq!(list(&mut client, json!({"archived": false})), list(&mut client, json!({"archived": null})));
}

#[test]
fn thread_list_pages_stay_full_when_a_filter_skips_threads() {
    let threads = (1..=10)
        .map(|n| {
            let mut thread = stored(n, i64::from(n), i64::from(n));
            if n % 2 == 1 {
                thread.thread.model_provider = "odd".into();
            }
            thread
        })
        .collect();
    let (_engine, mut client) = seeded(threads);
    let pages = all_pages(&mut client, json!({"limit": 2, "modelProviders": ["mock_provider"]}));
    assert_eq!(pages, [vec![id(10), id(8)], vec![id(6), id(4)], vec![id(2)]]);
}

#[test]
fn thread_list_pages_through_threads_of_the_same_second_without_skips_or_repeats() {
    let (_engine, mut client) = seeded((1..=5).map(|n| stored(n, 100, 100)).collect());
    let pages = all_pages(&mut client, json!({"limit": 2}));
    assert_eq!(pages, [vec![id(5), id(4)], vec![id(3), id(2)], vec![id(1)]]);
    let pages = all_pages(&mut client, json!({"limit": 2, "sortDirection": "asc"}));
    assert_eq!(pages, [vec![id(1), id(2)], vec![id(3), id(4)], vec![id(5)]]);
}

#[test]
fn thread_list_backwards_cursor_lists_back_from_the_first_thread_of_a_page() {
    let (_engine, mut client) = seeded((1..=5).map(|n| stored(n, i64::from(n) * 10, 0)).collect());
    let first = client.request("thread/list", json!({"limit": 2}));
    let second = client.request("thread/list", json!({"limit": 2, "cursor": first["result"]["nextCursor"]}));
    assert_eq!(ids(&second), [id(3), id(2)]);
    let back =
        client.request("thread/list", json!({"sortDirection": "asc", "cursor": second["result"]["backwardsCursor"]}));
    assert_eq!(ids(&back), [id(3), id(4), id(5)]);
    assert_eq!(back["result"]["nextCursor"], Value::Null);
    let empty = client.request("thread/list", json!({"archived": true}));
    assert_eq!((&empty["result"]["nextCursor"], &empty["result"]["backwardsCursor"]), (&Value::Null, &Value::Null));
}

#[test]
fn thread_list_limit_defaults_to_25_and_is_clamped_to_1_through_100() {
    let (_engine, mut client) = seeded((1..=120).map(|n| stored(n, i64::from(n), 0)).collect());
    let page_size = |client: &mut Client, params: Value| ids(&client.request("thread/list", params)).len();
    assert_eq!(page_size(&mut client, json!({})), 25);
    assert_eq!(page_size(&mut client, json!({"limit": 0})), 1);
    assert_eq!(page_size(&mut client, json!({"limit": 7})), 7);
    assert_eq!(page_size(&mut client, json!({"limit": 1000})), 100);
}

#[test]
fn thread_list_rejects_a_cursor_it_did_not_write() {
    let (_engine, mut client) = seeded(vec![stored(1, 1, 1)]);
    for cursor in ["nope", "2024-01-01T00:00:00Z|", "42"] {
        assert_eq!(
            client.request("thread/list", json!({"cursor": cursor}))["error"],
            json!({"code": -32600, "message": format!("invalid cursor: {cursor}")})
        );
    }
}

#[test]
fn a_thread_is_listed_from_its_first_user_message_while_the_turn_still_runs() {
    use crate::support::{Reply, ScriptModel, engine, message_added};
    let model = ScriptModel::new(vec![Reply::hangs(vec![message_added("msg_slow")])]);
    let engine = engine(Some(model), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    assert_eq!(client.request("thread/list", json!({}))["result"]["data"], json!([]));
    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "First words."}]}));
    client.until(|m| m["method"] == "item/started" && m["params"]["item"]["type"] == "agentMessage");
    let listed = client.request("thread/list", json!({}));
    let data = listed["result"]["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{listed}");
    assert_eq!((data[0]["id"].clone(), data[0]["preview"].clone()), (json!(thread_id), json!("First words.")));
    assert_eq!(data[0]["status"]["type"], json!("active"));
}
