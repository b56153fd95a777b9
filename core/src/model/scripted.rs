//! The built-in scripted model: a `ModelTransport` that answers Responses requests with a
//! canned SSE stream, offline. It serves the demo and fast core tests; it is never a stand-in for
//! the real HTTP path, which integration tests drive against a mock server.
//!
//! It speaks real SSE bytes, so everything after the transport (decoder, events, items) runs
//! exactly as it does against a provider.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::host::{BoxFut, Clock, HostError, ModelRequest, ModelResponseHead, ModelTransport, boxed};

/// Answers every request with a short message about the user's last input.
pub struct ScriptedModel {
    clock: Arc<dyn Clock>,
    chunk_delay_ms: u64,
    streams: Mutex<HashMap<u64, VecDeque<Vec<u8>>>>,
}

impl ScriptedModel {
    /// A scripted model that waits `chunk_delay_ms` between chunks (0 for tests).
    pub fn new(clock: Arc<dyn Clock>, chunk_delay_ms: u64) -> Self {
        ScriptedModel { clock, chunk_delay_ms, streams: Mutex::new(HashMap::new()) }
    }

    fn streams(&self) -> std::sync::MutexGuard<'_, HashMap<u64, VecDeque<Vec<u8>>>> {
        self.streams.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

/// The reply to `prompt`: deterministic, so tests can assert it.
pub fn scripted_reply(prompt: Option<&str>) -> String {
    match prompt.map(str::trim).filter(|prompt| !prompt.is_empty()) {
        Some(prompt) => format!(
            "You said: \u{201c}{prompt}\u{201d}. I am Spindle's scripted model: I answer offline, \
             so this conversation needs no network and no API key."
        ),
        None => "Hello from Spindle's scripted model.".to_owned(),
    }
}

/// The text of the last user message in a Responses request body.
fn last_user_text(body: &Value) -> Option<String> {
    let input = body.get("input")?.as_array()?;
    let message = input.iter().rev().find(|item| item.get("role").and_then(Value::as_str) == Some("user"))?;
    let parts = message.get("content")?.as_array()?;
    Some(parts.iter().filter_map(|part| part.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join("\n"))
}

/// One SSE frame, `event:` + `data:` as providers send it.
pub(crate) fn frame(event: &Value) -> Vec<u8> {
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
    format!("event: {kind}\ndata: {event}\n\n").into_bytes()
}

/// The SSE chunks of one scripted response: one chunk per event, one delta per word.
fn script(request_id: u64, body: &Value) -> VecDeque<Vec<u8>> {
    let prompt = last_user_text(body);
    let reply = scripted_reply(prompt.as_deref());
    let item_id = format!("msg_scripted_{request_id}");
    let response_id = format!("resp_scripted_{request_id}");
    let mut chunks = VecDeque::new();
    chunks.push_back(frame(&json!({"type": "response.created", "response": {"id": response_id}})));
    chunks.push_back(frame(&json!({"type": "response.output_item.added", "output_index": 0,
        "item": {"type": "message", "id": item_id, "role": "assistant", "status": "in_progress", "content": []}})));
    let words: Vec<&str> = reply.split_inclusive(' ').collect();
    for word in &words {
        chunks.push_back(frame(&json!({"type": "response.output_text.delta", "item_id": item_id,
            "output_index": 0, "content_index": 0, "delta": word})));
    }
    chunks.push_back(frame(&json!({"type": "response.output_item.done", "output_index": 0,
        "item": {"type": "message", "id": item_id, "role": "assistant", "status": "completed",
                 "content": [{"type": "output_text", "text": reply, "annotations": []}]}})));
    let input_tokens = body.to_string().len().div_ceil(4) as i64;
    let output_tokens = words.len() as i64;
    chunks.push_back(frame(&json!({"type": "response.completed", "response": {"id": response_id, "usage": {
        "input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens}}})));
    chunks
}

impl ModelTransport for ScriptedModel {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> {
        let result = serde_json::from_str::<Value>(&request.body)
            .map_err(|error| HostError::new(format!("scripted model: request body is not JSON: {error}")))
            .map(|body| {
                self.streams().insert(request.id, script(request.id, &body));
                let headers = BTreeMap::from([("content-type".to_owned(), "text/event-stream".to_owned())]);
                ModelResponseHead { status: 200, headers }
            });
        boxed(async move { result })
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>> {
        boxed(async move {
            if self.chunk_delay_ms > 0 {
                self.clock.sleep(self.chunk_delay_ms).await;
            }
            let mut streams = self.streams();
            match streams.get_mut(&id) {
                Some(chunks) => match chunks.pop_front() {
                    Some(chunk) => Ok(Some(chunk)),
                    None => {
                        streams.remove(&id);
                        Ok(None)
                    }
                },
                None => Err(HostError::new("scripted model: request was cancelled")),
            }
        })
    }

    fn cancel(&self, id: u64) {
        self.streams().remove(&id);
    }
}
