//! The `sse_events` target: arbitrary bytes as a model's response body, cut into arbitrary chunks,
//! through the SSE decoder, the event mapper, and a real turn that turns the events into items.

use serde_json::{Value, json};

use super::host::{
    Answer, Harness, ScriptedTransport, dynamic_tools, initialize_params, is_server_request, tool_call_answer,
};
use crate::EngineOptions;
use crate::model::events;
use crate::model::sse::{SseDecoder, SseEvent};

/// How many model requests get the fuzzed body (the first and the follow-ups of tool calls or a
/// retry); later ones get an empty stream, so a body that always calls a tool still ends its turn.
const BODY_ANSWERS: usize = 3;
/// Rounds of answering tool calls before the turn must be over.
const ROUNDS: usize = 16;

/// Runs one input. The first byte says how many chunk lengths follow (0–7); each length byte
/// `n` means a chunk of `n + 1` bytes, used in turn; the rest is the body.
pub fn sse_events(data: &[u8]) {
    let (lengths, body) = split_input(data);
    let chunks = cut(body, lengths);
    let whole = decode_whole(body);
    let mut decoder = SseDecoder::new();
    let chunked: Vec<SseEvent> = chunks.iter().flat_map(|chunk| decoder.push(chunk)).collect();
    assert_eq!(chunked, whole, "chunking changed the decoded events");
    for event in &whole {
        let mapped = events::decode(event);
        // The mapper keys on `data.type`; the `event:` line only stands in when that is missing.
        let typed = serde_json::from_str::<Value>(&event.data).is_ok_and(|data| data["type"].is_string());
        if typed {
            let untitled = SseEvent { event: None, data: event.data.clone() };
            assert_eq!(events::decode(&untitled), mapped, "the event: line changed a typed event");
        }
    }
    run_turn(chunks);
}

/// The events of `body` fed in one piece.
pub(super) fn decode_whole(body: &[u8]) -> Vec<SseEvent> {
    SseDecoder::new().push(body)
}

fn split_input(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((&count, rest)) = data.split_first() else { return (&[], &[]) };
    rest.split_at(usize::from(count % 8).min(rest.len()))
}

/// `body` cut into chunks whose sizes cycle through `lengths` (one chunk when there are none).
fn cut(body: &[u8], lengths: &[u8]) -> Vec<Vec<u8>> {
    if lengths.is_empty() {
        return vec![body.to_vec()];
    }
    let mut chunks = Vec::new();
    let mut rest = body;
    for &length in lengths.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, after) = rest.split_at((usize::from(length) + 1).min(rest.len()));
        chunks.push(chunk.to_vec());
        rest = after;
    }
    chunks
}

/// One turn whose model answers with `chunks`: it must end with exactly one `turn/completed`,
/// and `thread/read` must then show it ended.
fn run_turn(chunks: Vec<Vec<u8>>) {
    let body = Answer { status: 200, chunks };
    let empty = Answer { status: 200, chunks: Vec::new() };
    let transport = ScriptedTransport::new(vec![body; BODY_ANSWERS], empty, false);
    // One retry of each kind, so the retry paths see fuzzed streams too.
    let options = EngineOptions { request_max_retries: 1, stream_max_retries: 1, ..EngineOptions::default() };
    let mut harness = Harness::new(options, transport);
    let mut client = harness.connect();
    harness.request(&mut client, "initialize", initialize_params());
    let started = harness.request(&mut client, "thread/start", json!({"dynamicTools": dynamic_tools()}));
    let Some(thread_id) = started.pointer("/result/thread/id").and_then(Value::as_str).map(str::to_owned) else {
        panic!("thread/start failed: {started}");
    };
    let input = json!([{"type": "text", "text": "go", "text_elements": []}]);
    let (answer, mut messages) =
        harness.exchange(&mut client, "turn/start", json!({"threadId": thread_id, "input": input}));
    let Some(turn_id) = answer.pointer("/result/turn/id").cloned() else { panic!("turn/start failed: {answer}") };
    let mut completions = 0;
    for _ in 0..ROUNDS {
        let mut answered = false;
        for message in messages {
            if is_server_request(&message) {
                client.send(tool_call_answer(&message["id"]));
                answered = true;
            }
            if message["method"] == "turn/completed" && message.pointer("/params/turn/id") == Some(&turn_id) {
                completions += 1;
            }
        }
        if !answered {
            break;
        }
        harness.settle();
        messages = client.take();
    }
    assert_eq!(completions, 1, "turn {turn_id} ended {completions} times");
    let read = harness.request(&mut client, "thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let turns = read.pointer("/result/thread/turns").and_then(Value::as_array).cloned().unwrap_or_default();
    let turn = turns.iter().find(|turn| turn["id"] == turn_id);
    assert!(turn.is_some_and(|turn| turn["status"] != "inProgress"), "turn not over in thread/read: {read}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_choose_the_chunk_lengths() {
        assert_eq!(split_input(&[2, 0, 3, b'a', b'b']), (&[0, 3][..], &b"ab"[..]));
        assert_eq!(split_input(&[7, 1]), (&[1][..], &[][..]));
        assert_eq!(cut(b"abcdefg", &[0, 2]), vec![b"a".to_vec(), b"bcd".to_vec(), b"e".to_vec(), b"fg".to_vec()]);
        assert_eq!(cut(b"abc", &[]), vec![b"abc".to_vec()]);
    }
}
