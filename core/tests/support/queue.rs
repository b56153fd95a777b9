//! Helpers for the thread queue scenarios: queued params, a thread kept busy by a hanging turn,
//! reading `thread/queue/changed`, and a queue store that always fails.

use serde_json::{Value, json};
use spindle_core::host::{BoxFut, boxed};
use spindle_core::protocol::turn::TurnError;
use spindle_core::store::queue_store::ClaimOutcome;
use spindle_core::store::{QueueStore, QueuedTurnRow, StoreError};

use super::hanging::HANG;
use super::{Client, is};

/// `turn/start` input holding one text part.
pub fn text(text: &str) -> Value {
    json!([{"type": "text", "text": text, "text_elements": []}])
}

/// `turnStartParams` for `thread_id` with one text part.
pub fn turn_params(thread_id: &str, input: &str) -> Value {
    json!({"threadId": thread_id, "input": text(input)})
}

/// Queues `input` on `thread_id`; returns the queued turn's id. Reads only the response.
pub fn add(client: &mut Client, thread_id: &str, input: &str) -> String {
    let answer = client
        .request("thread/queue/add", json!({"threadId": thread_id, "turnStartParams": turn_params(thread_id, input)}));
    let queued = &answer["result"]["queuedTurn"];
    assert_eq!(queued["status"], json!({"type": "pending"}), "{answer}");
    queued["id"].as_str().expect("a queued turn id").to_owned()
}

/// Starts a thread and a turn that hangs until interrupted; returns the thread and turn ids once
/// the turn's user message has been announced.
pub fn busy_thread(client: &mut Client) -> (String, String) {
    let thread_id = client.start_thread(json!({}));
    let turn_id = hang(client, &thread_id);
    (thread_id, turn_id)
}

/// Starts a hanging turn on an idle thread; returns its id once its user message was announced.
pub fn hang(client: &mut Client, thread_id: &str) -> String {
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": text(&format!("{HANG} busy"))}));
    client.until(|m| m["method"] == "item/completed");
    answer["result"]["turn"]["id"].as_str().expect("a turn id").to_owned()
}

/// Interrupts the running turn and reads through its `turn/completed`.
pub fn interrupt(client: &mut Client, thread_id: &str, turn_id: &str) -> Vec<Value> {
    client.send(
        json!({"id": "interrupt", "method": "turn/interrupt", "params": {"threadId": thread_id, "turnId": turn_id}}),
    );
    client.until(is("turn/completed"))
}

/// The ids of a `thread/queue/changed` notification's queue, or of a list of queued turns.
pub fn ids(queued_turns: &Value) -> Vec<String> {
    let list = queued_turns.get("queuedTurns").unwrap_or(queued_turns);
    list.as_array()
        .expect("a list of queued turns")
        .iter()
        .map(|queued| queued["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// Reads the next message, which must be `thread/queue/changed`; returns its queue's ids.
pub fn changed(client: &Client) -> Vec<String> {
    let message = client.next();
    assert_eq!(message["method"], json!("thread/queue/changed"), "{message}");
    ids(&message["params"])
}

/// The whole visible queue through `thread/queue/list`.
pub fn listed(client: &mut Client, thread_id: &str) -> Value {
    let answer = client.request("thread/queue/list", json!({"threadId": thread_id, "limit": 100}));
    assert_eq!(answer["result"]["nextCursor"], Value::Null, "{answer}");
    answer["result"]["data"].clone()
}

/// The text of the first input part of a `turn/started`'s user message, read from the
/// `item/started` that follows it in `messages`.
pub fn user_texts(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["method"] == "item/started" && m["params"]["item"]["type"] == "userMessage")
        .map(|m| m["params"]["item"]["content"][0]["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A queue store whose every operation fails with [`FailingQueueStore::MESSAGE`].
pub struct FailingQueueStore;

impl FailingQueueStore {
    pub const MESSAGE: &'static str = "queue store is down";

    fn fail<'a, T: Send + 'a>() -> BoxFut<'a, Result<T, StoreError>> {
        boxed(async { Err(StoreError::Adapter(Self::MESSAGE.into())) })
    }
}

impl QueueStore for FailingQueueStore {
    fn append(&self, _: String, _: String, _: Value, _: i64) -> BoxFut<'_, Result<QueuedTurnRow, StoreError>> {
        Self::fail()
    }
    fn list_visible(&self, _: String, _: u32, _: u32) -> BoxFut<'_, Result<(Vec<QueuedTurnRow>, bool), StoreError>> {
        Self::fail()
    }
    fn delete(&self, _: String, _: String) -> BoxFut<'_, Result<bool, StoreError>> {
        Self::fail()
    }
    fn reorder(&self, _: String, _: Vec<String>, _: i64) -> BoxFut<'_, Result<Option<Vec<QueuedTurnRow>>, StoreError>> {
        Self::fail()
    }
    fn update_queued_turn(
        &self,
        _: String,
        _: String,
        _: Value,
        _: i64,
    ) -> BoxFut<'_, Result<Option<QueuedTurnRow>, StoreError>> {
        Self::fail()
    }
    fn claim_head(&self, _: String, _: i64) -> BoxFut<'_, Result<ClaimOutcome, StoreError>> {
        Self::fail()
    }
    fn set_dispatch_turn_id(&self, _: String, _: String, _: i64) -> BoxFut<'_, Result<bool, StoreError>> {
        Self::fail()
    }
    fn remove_dispatched(&self, _: String, _: String) -> BoxFut<'_, Result<bool, StoreError>> {
        Self::fail()
    }
    fn mark_failed(&self, _: String, _: TurnError, _: i64) -> BoxFut<'_, Result<bool, StoreError>> {
        Self::fail()
    }
    fn recover_dispatching(&self, _: String, _: TurnError, _: i64) -> BoxFut<'_, Result<u32, StoreError>> {
        Self::fail()
    }
    fn delete_thread(&self, _: String) -> BoxFut<'_, Result<(), StoreError>> {
        Self::fail()
    }
}
