//! Who hears a thread across connections (PROTOCOL.md §4, §7.9): subscribers only, each with its
//! own opt-outs; unsubscribing or closing a connection removes it.

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{Client, engine, is, methods};

fn start_turn(client: &mut Client, thread_id: &str, text: &str) {
    let answer =
        client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}));
    assert!(answer["result"]["turn"]["id"].is_string(), "{answer}");
}

#[test]
fn a_thread_is_heard_on_another_connection_only_after_it_resumes_it_and_then_identically() {
    let engine = engine(None, None);
    let mut a = Client::initialized(&engine);
    let mut b = Client::initialized(&engine);
    let thread_id = a.start_thread(json!({}));
    start_turn(&mut a, &thread_id, "first");
    a.until(is("turn/completed"));
    // Every notification of that turn reached A before its turn/completed; B got none of them.
    b.assert_silent(50);

    b.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));
    // The resume itself is followed by the thread's usage snapshot, to B alone.
    assert_eq!(b.next()["method"], json!("thread/tokenUsage/updated"));
    start_turn(&mut a, &thread_id, "second");
    let seen_by_a = a.until(is("turn/completed"));
    let seen_by_b = b.until(is("turn/completed"));
    assert_eq!(seen_by_a, seen_by_b);
    assert_eq!(methods(&seen_by_a)[..2], ["thread/status/changed", "turn/started"]);
}

#[test]
fn unsubscribing_one_connection_leaves_the_others_subscribed() {
    let engine = engine(None, None);
    let mut a = Client::initialized(&engine);
    let mut b = Client::initialized(&engine);
    let thread_id = a.start_thread(json!({}));
    b.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));

    assert_eq!(
        a.request("thread/unsubscribe", json!({"threadId": thread_id}))["result"],
        json!({"status": "unsubscribed"})
    );
    start_turn(&mut b, &thread_id, "only b listens");
    let seen_by_b = b.until(is("turn/completed"));
    assert_eq!(seen_by_b.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    a.assert_silent(50);
    // A can still act on the thread; it just does not hear it.
    start_turn(&mut a, &thread_id, "a asks");
    b.until(is("turn/completed"));
    a.assert_silent(50);
}

#[test]
fn one_connections_opt_outs_do_not_affect_another() {
    let engine = engine(None, None);
    let mut quiet = Client::connect(&engine);
    quiet.request(
        "initialize",
        json!({"clientInfo": {"name": "quiet", "version": "1"},
               "capabilities": {"optOutNotificationMethods": ["item/agentMessage/delta"]}}),
    );
    let mut loud = Client::initialized(&engine);
    let thread_id = loud.start_thread(json!({}));
    quiet.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));

    start_turn(&mut loud, &thread_id, "stream to both");
    let heard_loud = loud.until(is("turn/completed"));
    let heard_quiet = quiet.until(is("turn/completed"));
    let without_deltas: Vec<Value> =
        heard_loud.iter().filter(|m| m["method"] != "item/agentMessage/delta").cloned().collect();
    assert!(heard_loud.len() > without_deltas.len(), "the loud connection got deltas");
    assert_eq!(heard_quiet, without_deltas);
}

#[test]
fn a_closed_connection_no_longer_keeps_a_thread_subscribed() {
    let engine = engine(None, None);
    let mut a = Client::initialized(&engine);
    let mut b = Client::initialized(&engine);
    let thread_id = a.start_thread(json!({}));
    b.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));
    a.connection.close();

    // B still hears the thread; A's closed connection is gone from its subscribers.
    start_turn(&mut b, &thread_id, "after a left");
    b.until(is("turn/completed"));
    assert_eq!(block_on(engine.unsubscribed_threads()), Vec::<String>::new());
    b.request("thread/unsubscribe", json!({"threadId": thread_id}));
    assert_eq!(block_on(engine.unsubscribed_threads()), vec![thread_id.clone()]);
    assert!(block_on(engine.unload_thread(&thread_id)));
    // Only the open connection hears that the thread closed.
    let closed = b.until(is("thread/closed"));
    assert_eq!(methods(&closed), ["thread/status/changed", "thread/closed"]);
}
