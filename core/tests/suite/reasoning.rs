//! Reasoning items: summary parts, summary and raw text deltas, replay (PROTOCOL.md §7.2, transcript 02).

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{Client, Reply, ScriptModel, completed, engine, is, message_reply, methods};

fn reasoning_reply() -> Vec<Value> {
    let mut events = vec![
        json!({"type": "response.output_item.added", "item": {"type": "reasoning", "id": "rs_stream", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_stream", "summary_index": 0,
            "part": {"type": "summary_text", "text": ""}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_stream", "summary_index": 0,
            "delta": "Considering "}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_stream", "summary_index": 0,
            "delta": "the question."}),
        json!({"type": "response.reasoning_text.delta", "item_id": "rs_stream", "content_index": 0, "delta": "raw"}),
        json!({"type": "response.output_item.done", "item": {"type": "reasoning", "id": "rs_stream",
            "summary": [{"type": "summary_text", "text": "Considering the question."}],
            "encrypted_content": "opaque-blob"}}),
    ];
    let mut answer = message_reply("msg_answer", &["Four."]);
    answer.retain(|event| event["type"] != "response.completed");
    events.extend(answer);
    events.push(completed());
    events
}

#[test]
fn reasoning_streams_as_its_own_item_and_is_replayed_but_not_summarised() {
    let model = ScriptModel::new(vec![Reply::ends(reasoning_reply()), Reply::ends(message_reply("msg_2", &["ok"]))]);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "2+2?"}]}));
    let messages = client.until(is("turn/completed"));
    let reasoning: Vec<&Value> = messages.iter().filter(|m| m.to_string().contains("rs_stream")).collect();
    assert_eq!(
        methods(&reasoning.iter().map(|m| (*m).clone()).collect::<Vec<_>>()),
        [
            "item/started",
            "item/reasoning/summaryPartAdded",
            "item/reasoning/summaryTextDelta",
            "item/reasoning/summaryTextDelta",
            "item/reasoning/textDelta",
            "item/completed"
        ]
    );
    let started = &reasoning[0]["params"]["item"];
    assert_eq!((started["summary"].clone(), started["content"].clone()), (json!([]), json!([])));
    assert_eq!(reasoning[1]["params"]["summaryIndex"], json!(0));
    assert_eq!(reasoning[2]["params"]["delta"], json!("Considering "));
    assert_eq!(reasoning[4]["params"]["contentIndex"], json!(0));
    let finished = &reasoning[5]["params"]["item"];
    assert_eq!(finished["summary"], json!(["Considering the question."]));
    // The final item had no raw content, so the streamed text stands.
    assert_eq!(finished["content"], json!(["raw"]));

    let turn = &messages.last().unwrap()["params"]["turn"];
    let kinds: Vec<&Value> = turn["items"].as_array().unwrap().iter().map(|item| &item["type"]).collect();
    assert_eq!(kinds, [&json!("agentMessage")], "turn/completed lists agent messages only");

    let read = client.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let kinds: Vec<&Value> =
        read["result"]["thread"]["turns"][0]["items"].as_array().unwrap().iter().map(|item| &item["type"]).collect();
    assert_eq!(kinds, [&json!("userMessage"), &json!("reasoning"), &json!("agentMessage")]);

    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "and 3+3?"}]}));
    client.until(is("turn/completed"));
    let replayed = model.bodies()[1]["input"].clone();
    let reasoning_item = replayed.as_array().unwrap().iter().find(|item| item["type"] == "reasoning").cloned();
    assert_eq!(reasoning_item.unwrap()["encrypted_content"], json!("opaque-blob"));
}

#[test]
fn reasoning_deltas_for_unknown_items_or_absurd_indexes_are_dropped() {
    let events = vec![
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_never", "summary_index": 0, "delta": "x"}),
        json!({"type": "response.output_item.added", "item": {"type": "reasoning", "id": "rs_1"}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "summary_index": 4000000000u64, "delta": "y"}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "summary_index": -1, "delta": "z"}),
        json!({"type": "response.output_item.done", "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        completed(),
    ];
    let model = ScriptModel::new(vec![Reply::ends(events)]);
    let engine = engine(Some(model), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    client.request("turn/start", json!({"threadId": thread_id, "input": []}));
    let messages = client.until(is("turn/completed"));
    let completed_item = messages.iter().find(|m| m["method"] == "item/completed").unwrap();
    assert_eq!(completed_item["params"]["item"]["id"], json!("rs_1"));
    assert_eq!(completed_item["params"]["item"]["summary"], json!([]));
    assert!(!messages.iter().any(|m| m.to_string().contains("rs_never")));
    assert_eq!(messages.last().unwrap()["params"]["turn"]["status"], json!("completed"));
}
