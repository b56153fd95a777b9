//! `thread/fork` (PROTOCOL.md §4.3, §5, transcript 08).

use std::sync::Arc;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::model::scripted::scripted_reply;
use spindle_core::store::memory::MemoryThreadStore;

use crate::support::hanging::{HANG, HangingModel};
use crate::support::{Client, RecordingModel, engine, is};

/// Runs one turn with `text` as input and returns its id.
fn run_turn(client: &mut Client, thread_id: &str, text: &str) -> String {
    let answer =
        client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}));
    client.until(is("turn/completed"));
    answer["result"]["turn"]["id"].as_str().expect("a turn id").to_owned()
}

/// The `id`s of a request body's input items.
fn input_ids(body: &Value) -> Vec<Value> {
    body["input"].as_array().unwrap().iter().map(|item| item["id"].clone()).collect()
}

/// The texts of a request body's input items.
fn input_texts(body: &Value) -> Vec<String> {
    let texts =
        |item: &Value| item["content"].as_array().unwrap().iter().map(|c| c["text"].clone()).collect::<Vec<_>>();
    body["input"].as_array().unwrap().iter().flat_map(texts).map(|text| text.as_str().unwrap().to_owned()).collect()
}

#[test]
fn thread_fork_copies_turns_and_model_history_into_a_new_thread() {
    let store = Arc::new(MemoryThreadStore::new());
    let model = RecordingModel::new();
    let engine = engine(Some(model.clone()), Some(store.clone()));
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({"baseInstructions": "Be terse."}));
    let source_turn = run_turn(&mut client, &source_id, "original question");
    client.request("thread/name/set", json!({"threadId": source_id, "name": "the source"}));
    client.next();
    let source = client.request("thread/read", json!({"threadId": source_id, "includeTurns": true}));

    let answer = client.request("thread/fork", json!({"threadId": source_id}));
    let result = &answer["result"];
    let fork = &result["thread"];
    let fork_id = fork["id"].as_str().unwrap().to_owned();
    assert_ne!(fork_id, source_id);
    assert_eq!(
        [&fork["sessionId"], &fork["forkedFromId"], &fork["preview"], &fork["name"], &fork["status"]],
        [&json!(fork_id), &json!(source_id), &json!("original question"), &Value::Null, &json!({"type": "idle"})]
    );
    assert_eq!((fork["ephemeral"].clone(), fork["canAcceptDirectInput"].clone()), (json!(false), json!(true)));
    // Turns keep the source's ids and full items.
    assert_eq!(fork["turns"], source["result"]["thread"]["turns"]);
    assert_eq!(fork["turns"][0]["id"], json!(source_turn));
    assert_eq!(fork["turns"][0]["itemsView"], json!("full"));
    // The result has the keys of thread/start's, for the new thread.
    assert_eq!((result["model"].clone(), result["cwd"].clone()), (fork["model"].clone(), fork["cwd"].clone()));
    assert_eq!(result["approvalPolicy"], json!("never"));

    // Then the inherited token usage and thread/started, both about the new thread.
    let usage = client.next();
    assert_eq!(usage["method"], json!("thread/tokenUsage/updated"));
    assert_eq!(
        (usage["params"]["threadId"].clone(), usage["params"]["turnId"].clone()),
        (json!(fork_id), json!(source_turn))
    );
    let started = client.next();
    assert_eq!(started["method"], json!("thread/started"));
    let mut announced = fork.clone();
    announced["turns"] = json!([]);
    assert_eq!(started["params"]["thread"], announced);

    let loaded = client.request("thread/loaded/list", json!({}))["result"]["data"].clone();
    assert!(loaded.as_array().unwrap().contains(&json!(fork_id)), "{loaded}");

    // The fork's next request replays the source's history, its instructions restated with a new id.
    client.request(
        "turn/start",
        json!({"threadId": fork_id, "input": [{"type": "text", "text": "question on the fork"}]}),
    );
    let turn = client.until(is("turn/completed"));
    assert_eq!(turn.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    let total =
        turn.iter().find(|m| m["method"] == "thread/tokenUsage/updated").unwrap()["params"]["tokenUsage"].clone();
    assert_eq!(
        total["total"]["totalTokens"],
        json!(
            usage["params"]["tokenUsage"]["total"]["totalTokens"].as_i64().unwrap()
                + total["last"]["totalTokens"].as_i64().unwrap()
        )
    );
    let bodies = model.bodies.lock().unwrap();
    let (first, forked) = (&bodies[0], &bodies[1]);
    let answer_text = scripted_reply(Some("original question"));
    assert_eq!(input_texts(forked), ["Be terse.", "original question", answer_text.as_str(), "question on the fork"]);
    let (first_ids, fork_ids) = (input_ids(first), input_ids(forked));
    assert_ne!(fork_ids[0], first_ids[0]);
    assert_eq!(fork_ids[1], first_ids[1]);
    assert_eq!(forked["prompt_cache_key"], json!(fork_id));
    drop(bodies);

    // The source is untouched; the fork is persisted with its own turns.
    let source_after = client.request("thread/read", json!({"threadId": source_id, "includeTurns": true}));
    assert_eq!(source_after["result"]["thread"]["turns"], source["result"]["thread"]["turns"]);
    let restarted = crate::support::engine(None, Some(store));
    let mut reader = Client::initialized(&restarted);
    let stored = reader.request("thread/read", json!({"threadId": fork_id, "includeTurns": true}));
    let turns = stored["result"]["thread"]["turns"].as_array().unwrap().clone();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0]["id"], json!(source_turn));
    assert_eq!(stored["result"]["thread"]["forkedFromId"], json!(source_id));
}

#[test]
fn thread_fork_of_a_stored_thread_that_is_not_loaded() {
    let store = Arc::new(MemoryThreadStore::new());
    let first = engine(None, Some(store.clone()));
    let mut writer = Client::initialized(&first);
    let source_id = writer.start_thread(json!({}));
    let source_turn = run_turn(&mut writer, &source_id, "kept question");

    let model = RecordingModel::new();
    let second = engine(Some(model.clone()), Some(store));
    let mut client = Client::initialized(&second);
    let answer = client.request("thread/fork", json!({"threadId": source_id.to_uppercase()}));
    let fork_id = answer["result"]["thread"]["id"].as_str().unwrap().to_owned();
    assert_eq!(answer["result"]["thread"]["forkedFromId"], json!(source_id));
    assert_eq!(answer["result"]["thread"]["turns"][0]["id"], json!(source_turn));
    // Token usage is not stored, so an unloaded source has none to pass on.
    assert_eq!(client.next()["method"], json!("thread/started"));
    assert_eq!(client.request("thread/loaded/list", json!({}))["result"]["data"], json!([fork_id]));

    run_turn(&mut client, &fork_id, "fork question");
    let texts = input_texts(&model.bodies.lock().unwrap()[0]);
    assert_eq!(texts[0], "kept question");
    assert_eq!(texts.last().unwrap(), "fork question");
}

#[test]
fn thread_fork_through_last_turn_id_leaves_later_turns_out() {
    let model = RecordingModel::new();
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({}));
    let first_turn = run_turn(&mut client, &source_id, "first question");
    run_turn(&mut client, &source_id, "second question");

    let answer = client.request("thread/fork", json!({"threadId": source_id, "lastTurnId": first_turn.to_uppercase()}));
    let turns = answer["result"]["thread"]["turns"].as_array().unwrap().clone();
    assert_eq!(turns.iter().map(|t| t["id"].clone()).collect::<Vec<_>>(), [json!(first_turn)]);
    // A cut before the end carries no token usage over.
    assert_eq!(client.next()["method"], json!("thread/started"));

    let fork_id = answer["result"]["thread"]["id"].as_str().unwrap().to_owned();
    run_turn(&mut client, &fork_id, "fork question");
    let texts = input_texts(model.bodies.lock().unwrap().last().unwrap());
    assert!(
        texts.contains(&"first question".to_owned()) && !texts.contains(&"second question".to_owned()),
        "{texts:?}"
    );
}

#[test]
fn thread_fork_before_turn_id_leaves_that_turn_and_later_ones_out() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({}));
    let first_turn = run_turn(&mut client, &source_id, "first question");
    let second_turn = run_turn(&mut client, &source_id, "second question");

    let before_second = client.request("thread/fork", json!({"threadId": source_id, "beforeTurnId": second_turn}));
    let turns = before_second["result"]["thread"]["turns"].clone();
    assert_eq!(turns.as_array().unwrap().iter().map(|t| t["id"].clone()).collect::<Vec<_>>(), [json!(first_turn)]);
    client.next();

    let before_first = client.request("thread/fork", json!({"threadId": source_id, "beforeTurnId": first_turn}));
    assert_eq!(before_first["result"]["thread"]["turns"], json!([]));
    assert_eq!(before_first["result"]["thread"]["preview"], json!(""));
}

#[test]
fn thread_fork_applies_overrides_to_the_new_thread_only() {
    let model = RecordingModel::new();
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({"baseInstructions": "Be terse."}));
    run_turn(&mut client, &source_id, "original question");

    let answer = client.request(
        "thread/fork",
        json!({"threadId": source_id, "model": "other-model", "cwd": "/work", "baseInstructions": "Be verbose."}),
    );
    let fork = &answer["result"]["thread"];
    assert_eq!((fork["model"].clone(), fork["cwd"].clone()), (json!("other-model"), json!("/work")));
    assert_eq!(
        (answer["result"]["model"].clone(), answer["result"]["cwd"].clone()),
        (json!("other-model"), json!("/work"))
    );
    assert_eq!(fork["environments"][0]["runtimeWorkspaceRoots"], json!(["/work"]));
    let fork_id = fork["id"].as_str().unwrap().to_owned();
    client.until(is("thread/started"));

    run_turn(&mut client, &fork_id, "fork question");
    let body = model.bodies.lock().unwrap().last().unwrap().clone();
    assert_eq!(body["model"], json!("other-model"));
    assert_eq!(input_texts(&body)[..2], ["Be verbose.", "original question"]);
    let source = client.request("thread/read", json!({"threadId": source_id}));
    assert_eq!(source["result"]["thread"]["model"], json!("mock-model"));
}

#[test]
fn thread_fork_with_a_caller_id_canonicalises_it_and_rejects_known_ids() {
    let store = Arc::new(MemoryThreadStore::new());
    let engine = engine(None, Some(store.clone()));
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({}));
    run_turn(&mut client, &source_id, "question");

    let wanted = "67E55044-10B1-426F-9247-BB680E5FE0C8";
    let answer = client.request("thread/fork", json!({"threadId": source_id, "newThreadId": wanted}));
    assert_eq!(answer["result"]["thread"]["id"], json!(wanted.to_lowercase()));
    assert_eq!(answer["result"]["thread"]["sessionId"], json!(wanted.to_lowercase()));
    client.until(is("thread/started"));

    let exists = |id: &str| json!({"code": -32600, "message": format!("thread id already exists: {id}")});
    // A loaded thread (in any spelling), the source itself, and a thread only in the store.
    let fork_again = client
        .request("thread/fork", json!({"threadId": source_id, "newThreadId": "67e5504410b1426f9247bb680e5fe0c8"}));
    assert_eq!(fork_again["error"], exists(&wanted.to_lowercase()));
    assert_eq!(
        client.request("thread/fork", json!({"threadId": source_id, "newThreadId": source_id}))["error"],
        exists(&source_id)
    );
    let elsewhere = crate::support::engine(None, Some(store.clone()));
    let mut other = Client::initialized(&elsewhere);
    let stored_only = other.start_thread(json!({}));
    assert_eq!(
        client.request("thread/fork", json!({"threadId": source_id, "newThreadId": stored_only}))["error"],
        exists(&stored_only)
    );
    // An archived thread keeps its id too.
    run_turn(&mut other, &stored_only, "archive me");
    other.send(json!({"id": "archive", "method": "thread/archive", "params": {"threadId": stored_only}}));
    other.until(is("thread/archived"));
    assert_eq!(
        client.request("thread/fork", json!({"threadId": source_id, "newThreadId": stored_only}))["error"],
        exists(&stored_only)
    );

    assert_eq!(
        client.request("thread/fork", json!({"threadId": source_id, "newThreadId": "nope"}))["error"]["message"],
        json!(
            "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"
        )
    );
    // No rejected fork loaded anything.
    assert_eq!(client.request("thread/loaded/list", json!({}))["result"]["data"].as_array().unwrap().len(), 2);
}

#[test]
fn thread_fork_refuses_an_ephemeral_fork_that_would_return_turns() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({}));
    run_turn(&mut client, &source_id, "question");
    assert_eq!(
        client.request("thread/fork", json!({"threadId": source_id, "ephemeral": true})),
        json!({"error": {"code": -32600, "message": "ephemeral paginated thread/fork requires `excludeTurns: true`"}, "id": 4})
    );
    client.assert_silent(50);
}

#[test]
fn thread_fork_ephemeral_with_exclude_turns_lives_only_in_memory() {
    let store = Arc::new(MemoryThreadStore::new());
    let engine = engine(None, Some(store.clone()));
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({}));
    run_turn(&mut client, &source_id, "question");
    let answer = client.request("thread/fork", json!({"threadId": source_id, "ephemeral": true, "excludeTurns": true}));
    let fork = &answer["result"]["thread"];
    assert_eq!((fork["ephemeral"].clone(), fork["turns"].clone()), (json!(true), json!([])));
    // excludeTurns skips the usage replay, as 0.169 does.
    assert_eq!(client.next()["method"], json!("thread/started"));
    let fork_id = fork["id"].as_str().unwrap().to_owned();
    run_turn(&mut client, &fork_id, "on the ephemeral fork");

    let restarted = crate::support::engine(None, Some(store));
    let mut reader = Client::initialized(&restarted);
    assert_eq!(
        reader.request("thread/read", json!({"threadId": fork_id}))["error"]["message"],
        json!(format!("thread not loaded: {fork_id}"))
    );
}

#[test]
fn thread_fork_of_a_running_thread_copies_finished_turns_and_marks_the_cut() {
    let model = HangingModel::new();
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({}));
    run_turn(&mut client, &source_id, "finished question");
    let running = client.request(
        "turn/start",
        json!({"threadId": source_id, "input": [{"type": "text", "text": format!("{HANG} running question")}]}),
    );
    let running_turn = running["result"]["turn"]["id"].as_str().unwrap().to_owned();
    client.until(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "userMessage");

    assert_eq!(
        client.request("thread/fork", json!({"threadId": source_id, "lastTurnId": running_turn}))["error"]["message"],
        json!(format!("lastTurnId '{running_turn}' identifies an in-progress turn"))
    );
    let answer = client.request("thread/fork", json!({"threadId": source_id}));
    let fork = &answer["result"]["thread"];
    assert_eq!(fork["turns"].as_array().unwrap().len(), 1);
    assert_eq!(fork["status"], json!({"type": "idle"}));
    let fork_id = fork["id"].as_str().unwrap().to_owned();
    client.until(is("thread/started"));

    run_turn(&mut client, &fork_id, "fork question");
    let texts = input_texts(model.bodies.lock().unwrap().last().unwrap());
    assert_eq!(texts[0], "finished question");
    assert!(texts[2].contains("<turn_aborted>"), "{texts:?}");
    assert_eq!(texts[3], "fork question");
    assert!(!texts.iter().any(|text| text.contains("running question")), "{texts:?}");
    // The source's turn is still running.
    let source = client.request("thread/read", json!({"threadId": source_id}));
    assert_eq!(source["result"]["thread"]["status"], json!({"type": "active", "activeFlags": []}));
}

#[test]
fn thread_fork_reports_each_error_in_upstream_words() {
    let store = Arc::new(MemoryThreadStore::new());
    let engine = engine(None, Some(store));
    let mut client = Client::initialized(&engine);
    let source_id = client.start_thread(json!({}));
    let turn_id = run_turn(&mut client, &source_id, "question");
    let error = |client: &mut Client, params: Value| client.request("thread/fork", params)["error"]["message"].clone();

    let unknown = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        error(&mut client, json!({"threadId": unknown})),
        json!(format!("no rollout found for thread id {unknown}"))
    );
    assert_eq!(
        error(&mut client, json!({"threadId": "nope"})),
        json!(
            "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"
        )
    );
    assert_eq!(error(&mut client, json!({})), json!("Invalid request: missing field `threadId`"));
    assert_eq!(
        error(&mut client, json!({"threadId": source_id, "lastTurnId": unknown})),
        json!(format!("lastTurnId '{unknown}' was not found in the source thread"))
    );
    assert_eq!(
        error(&mut client, json!({"threadId": source_id, "lastTurnId": "not-a-turn"})),
        json!("lastTurnId 'not-a-turn' was not found in the source thread")
    );
    assert_eq!(
        error(&mut client, json!({"threadId": source_id, "beforeTurnId": unknown})),
        json!(format!("beforeTurnId '{unknown}' was not found in the source thread"))
    );
    assert_eq!(
        error(&mut client, json!({"threadId": source_id, "lastTurnId": turn_id, "beforeTurnId": turn_id})),
        json!("`beforeTurnId` cannot be combined with `lastTurnId`")
    );

    // An ephemeral source was never stored, so like 0.169 there is no rollout to fork.
    let ephemeral = client.start_thread(json!({"ephemeral": true}));
    run_turn(&mut client, &ephemeral, "question");
    assert_eq!(
        error(&mut client, json!({"threadId": ephemeral, "ephemeral": true, "excludeTurns": true})),
        json!(format!("no rollout found for thread id {ephemeral}"))
    );
    // An archived source is not forked either.
    client.send(json!({"id": "archive", "method": "thread/archive", "params": {"threadId": source_id}}));
    client.until(is("thread/archived"));
    assert_eq!(
        error(&mut client, json!({"threadId": source_id})),
        json!(format!("no rollout found for thread id {source_id}"))
    );
    // No refused fork loaded a thread.
    assert_eq!(client.request("thread/loaded/list", json!({}))["result"]["data"], json!([ephemeral]));
}

#[test]
fn thread_fork_experimental_fields_need_the_capability() {
    let engine = engine(None, None);
    let mut stable = Client::connect(&engine);
    stable.request("initialize", json!({"clientInfo": {"name": "stable", "version": "1"}}));
    let source_id = stable.start_thread(json!({}));
    let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        stable.request("thread/fork", json!({"threadId": source_id, "beforeTurnId": id}))["error"]["message"],
        json!("thread/fork.beforeTurnId requires experimentalApi capability")
    );
    assert_eq!(
        stable.request("thread/fork", json!({"threadId": source_id, "path": "/x"}))["error"]["message"],
        json!("thread/fork.path requires experimentalApi capability")
    );
    // The caller id of the new thread is stable (PROTOCOL.md §5).
    let answer = stable.request("thread/fork", json!({"threadId": source_id, "newThreadId": id}));
    assert_eq!(answer["result"]["thread"]["id"], json!(id));
}
