//! The built-in scripted model: a `ModelTransport` that answers Responses requests offline, from
//! the host's [`ModelScript`] while it lasts and then by echoing the user. It serves the demo, fast
//! core tests and hosts that want a scripted conversation; it is never a stand-in for the real HTTP
//! path, which integration tests drive against a mock server.
//!
//! It speaks real HTTP statuses and SSE bytes, so everything after the transport (decoder, events,
//! items, failures) runs exactly as it does against a provider.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

use super::script::{
    ModelScript, ScriptedEnd, ScriptedError, ScriptedFunctionCall, ScriptedMessage, ScriptedOutputItem,
    ScriptedReasoning, ScriptedResponse, ScriptedUsage,
};
use crate::host::{BoxFut, Clock, HostError, ModelRequest, ModelResponseHead, ModelTransport, boxed};

/// Answers each request with the script's next response, then with a short message about the
/// user's last input.
pub struct ScriptedModel {
    clock: Arc<dyn Clock>,
    chunk_delay_ms: u64,
    script: Mutex<VecDeque<ScriptedResponse>>,
    streams: Mutex<HashMap<u64, VecDeque<Vec<u8>>>>,
}

impl ScriptedModel {
    /// A scripted model that plays `script` and waits `chunk_delay_ms` between chunks (0 for tests).
    pub fn new(clock: Arc<dyn Clock>, chunk_delay_ms: u64, script: ModelScript) -> Self {
        ScriptedModel {
            clock,
            chunk_delay_ms,
            script: Mutex::new(script.responses.into()),
            streams: Mutex::new(HashMap::new()),
        }
    }

    fn streams(&self) -> MutexGuard<'_, HashMap<u64, VecDeque<Vec<u8>>>> {
        self.streams.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// The script's next response, or the echo once it has run out.
    fn next_response(&self, body: &Value) -> ScriptedResponse {
        let next = self.script.lock().unwrap_or_else(|poison| poison.into_inner()).pop_front();
        next.unwrap_or_else(|| ScriptedResponse::echo(scripted_reply(last_user_text(body).as_deref())))
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

impl ModelTransport for ScriptedModel {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> {
        let result = serde_json::from_str::<Value>(&request.body)
            .map_err(|error| HostError::new(format!("scripted model: request body is not JSON: {error}")))
            .map(|body| {
                let answer = answer(&self.next_response(&body), request.id, &body);
                self.streams().insert(request.id, answer.chunks);
                let headers = BTreeMap::from([("content-type".to_owned(), answer.content_type.to_owned())]);
                ModelResponseHead { status: answer.status, headers }
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

/// Renders `response` as the answer to model request `request_id`, whose body is `body`.
fn answer(response: &ScriptedResponse, request_id: u64, body: &Value) -> ScriptedAnswer {
    let status = response.status.unwrap_or(200);
    if !(200..300).contains(&status) {
        let error = response.error.clone().unwrap_or_else(|| ScriptedError {
            message: format!("scripted HTTP error {status}"),
            kind: None,
            code: None,
        });
        let kind = error
            .kind
            .unwrap_or_else(|| if status >= 500 { "server_error" } else { "invalid_request_error" }.to_owned());
        let body = json!({"error": {"message": error.message, "type": kind, "param": null, "code": error.code}});
        return ScriptedAnswer {
            status,
            content_type: "application/json",
            chunks: VecDeque::from([body.to_string().into_bytes()]),
        };
    }
    let mut stream = Stream { request_id, events: Vec::new(), deltas: 0 };
    let response_id = format!("resp_scripted_{request_id}");
    stream.events.push(json!({"type": "response.created", "response": {"id": response_id}}));
    for (index, item) in response.output.iter().flatten().enumerate() {
        stream.item(index, item);
    }
    match response.end.unwrap_or(ScriptedEnd::Completed) {
        ScriptedEnd::Completed => {
            let usage = usage_json(response, body, stream.deltas);
            stream.events.push(json!({"type": "response.completed", "response": {"id": response_id, "usage": usage}}));
        }
        ScriptedEnd::Closed => {}
        ScriptedEnd::Failed => {
            let (message, code) = match &response.error {
                Some(error) => (error.message.clone(), error.code.clone()),
                None => ("scripted failure".to_owned(), None),
            };
            let error = json!({"code": code.unwrap_or_else(|| "server_error".to_owned()), "message": message});
            stream.events.push(
                json!({"type": "response.failed", "response": {"id": response_id, "status": "failed", "error": error}}),
            );
        }
    }
    ScriptedAnswer { status, content_type: "text/event-stream", chunks: stream.events.iter().map(frame).collect() }
}

/// The `usage` of `response.completed`: the script's counts, or an estimate from the request's size
/// and the number of deltas.
fn usage_json(response: &ScriptedResponse, body: &Value, deltas: usize) -> Value {
    let usage = response.usage.clone().unwrap_or_else(|| ScriptedUsage {
        input_tokens: Some(i64::try_from(body.to_string().len().div_ceil(4)).unwrap_or(i64::MAX)),
        output_tokens: Some(i64::try_from(deltas).unwrap_or(i64::MAX)),
        ..ScriptedUsage::default()
    });
    let input = usage.input_tokens.unwrap_or(0);
    let output = usage.output_tokens.unwrap_or(0);
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": usage.cached_input_tokens.unwrap_or(0)},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_output_tokens.unwrap_or(0)},
        "total_tokens": usage.total_tokens.unwrap_or_else(|| input.saturating_add(output)),
    })
}

/// One rendered answer: the status line, its content type, and the body in chunks.
struct ScriptedAnswer {
    status: u16,
    content_type: &'static str,
    chunks: VecDeque<Vec<u8>>,
}

/// The events of one streamed answer as they are built, and how many deltas they carry.
struct Stream {
    request_id: u64,
    events: Vec<Value>,
    deltas: usize,
}

impl Stream {
    fn item(&mut self, index: usize, item: &ScriptedOutputItem) {
        let default_id = |prefix: &str| format!("{prefix}_scripted_{}_{index}", self.request_id);
        match item {
            ScriptedOutputItem::Message(ScriptedMessage { text, id }) => {
                let id = id.clone().unwrap_or_else(|| default_id("msg"));
                self.added(
                    index,
                    json!({"type": "message", "id": id, "role": "assistant", "status": "in_progress", "content": []}),
                );
                let deltas = text.deltas();
                for delta in &deltas {
                    self.delta(json!({"type": "response.output_text.delta", "item_id": id, "output_index": index,
                        "content_index": 0, "delta": delta}));
                }
                self.done(
                    index,
                    json!({"type": "message", "id": id, "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": deltas.concat(), "annotations": []}]}),
                );
            }
            ScriptedOutputItem::Reasoning(ScriptedReasoning { summary, id }) => {
                let id = id.clone().unwrap_or_else(|| default_id("rs"));
                self.added(index, json!({"type": "reasoning", "id": id, "summary": []}));
                let mut parts = Vec::new();
                for (summary_index, part) in summary.iter().enumerate() {
                    let at = json!({"item_id": id, "output_index": index, "summary_index": summary_index});
                    self.push_with(
                        json!({"type": "response.reasoning_summary_part.added",
                        "part": {"type": "summary_text", "text": ""}}),
                        &at,
                    );
                    let deltas = part.deltas();
                    self.deltas += deltas.len();
                    for delta in &deltas {
                        self.push_with(json!({"type": "response.reasoning_summary_text.delta", "delta": delta}), &at);
                    }
                    let text = deltas.concat();
                    self.push_with(json!({"type": "response.reasoning_summary_text.done", "text": text}), &at);
                    parts.push(json!({"type": "summary_text", "text": text}));
                }
                self.done(index, json!({"type": "reasoning", "id": id, "summary": parts}));
            }
            ScriptedOutputItem::FunctionCall(ScriptedFunctionCall { name, namespace, arguments, call_id, id }) => {
                let id = id.clone().unwrap_or_else(|| default_id("fc"));
                let call_id = call_id.clone().unwrap_or_else(|| default_id("call"));
                let arguments = match arguments {
                    Some(Value::String(text)) => text.clone(),
                    Some(value) => value.to_string(),
                    None => "{}".to_owned(),
                };
                let item = |status: &str, arguments: &str| {
                    let mut item = json!({"type": "function_call", "id": id, "call_id": call_id, "name": name,
                        "arguments": arguments, "status": status});
                    if let (Some(namespace), Some(object)) = (namespace, item.as_object_mut()) {
                        object.insert("namespace".into(), Value::String(namespace.clone()));
                    }
                    item
                };
                self.added(index, item("in_progress", ""));
                self.delta(json!({"type": "response.function_call_arguments.delta", "item_id": id,
                    "output_index": index, "delta": arguments}));
                self.events.push(json!({"type": "response.function_call_arguments.done", "item_id": id,
                    "output_index": index, "arguments": arguments}));
                self.done(index, item("completed", &arguments));
            }
        }
    }

    fn added(&mut self, index: usize, item: Value) {
        self.events.push(json!({"type": "response.output_item.added", "output_index": index, "item": item}));
    }

    fn done(&mut self, index: usize, item: Value) {
        self.events.push(json!({"type": "response.output_item.done", "output_index": index, "item": item}));
    }

    fn delta(&mut self, event: Value) {
        self.deltas += 1;
        self.events.push(event);
    }

    /// Pushes `event` with the fields of `at` (item id, output and summary index) added.
    fn push_with(&mut self, mut event: Value, at: &Value) {
        if let (Some(object), Some(at)) = (event.as_object_mut(), at.as_object()) {
            object.extend(at.iter().map(|(key, value)| (key.clone(), value.clone())));
        }
        self.events.push(event);
    }
}

/// One SSE frame, as the API writes it: `event:` names `data.type`.
pub(crate) fn frame(event: &Value) -> Vec<u8> {
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
    format!("event: {kind}\ndata: {event}\n\n").into_bytes()
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;

    use super::*;
    use crate::model::events::{self, ResponsesEvent};
    use crate::model::sse::SseDecoder;
    use crate::protocol::thread::TokenUsageBreakdown;

    struct NoClock;

    impl Clock for NoClock {
        fn now_ms(&self) -> i64 {
            0
        }
        fn sleep(&self, _ms: u64) -> BoxFut<'static, ()> {
            boxed(async {})
        }
    }

    fn model(script: &str) -> ScriptedModel {
        ScriptedModel::new(Arc::new(NoClock), 0, ModelScript::from_json(script).expect("a valid script"))
    }

    fn request(id: u64, user_text: &str) -> ModelRequest {
        let body = json!({"input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": user_text}]}]});
        ModelRequest { id, path: "/responses".into(), headers: BTreeMap::new(), body: body.to_string() }
    }

    /// Posts request `id` and reads its whole body.
    fn play(model: &ScriptedModel, id: u64) -> (ModelResponseHead, Vec<u8>) {
        block_on(async {
            let head = model.post(request(id, "Look up ABC-123.")).await.expect("a response head");
            let mut body = Vec::new();
            while let Some(chunk) = model.read(id).await.expect("a chunk") {
                body.extend(chunk);
            }
            (head, body)
        })
    }

    /// The stream of request `id`, decoded as a turn decodes it.
    fn events(model: &ScriptedModel, id: u64) -> Vec<ResponsesEvent> {
        let (head, body) = play(model, id);
        assert_eq!(
            (head.status, head.headers.get("content-type").map(String::as_str)),
            (200, Some("text/event-stream"))
        );
        SseDecoder::new().push(&body).iter().map(|sse| events::decode(sse).expect("valid JSON")).collect()
    }

    fn texts(events: &[ResponsesEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|event| match event {
                ResponsesEvent::OutputTextDelta { delta, .. }
                | ResponsesEvent::ReasoningSummaryTextDelta { delta, .. } => Some(delta.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reasoning_a_tool_call_and_a_message_stream_as_the_responses_api_does() {
        let model = model(
            r#"{"responses": [{
                "output": [
                    {"type": "reasoning", "summary": ["Looking it up.", ["One ", "more."]]},
                    {"type": "functionCall", "name": "find_customer", "namespace": "crm", "arguments": {"q": "bob"}, "callId": "call_1"},
                    {"type": "functionCall", "name": "raw", "arguments": "{not json", "id": "fc_raw"},
                    {"type": "message", "text": ["Hel", "lo."], "id": "msg_1"}
                ],
                "usage": {"inputTokens": 20, "cachedInputTokens": 4, "outputTokens": 8, "reasoningOutputTokens": 3}
            }]}"#,
        );
        let events = events(&model, 7);
        assert_eq!(texts(&events), ["Looking ", "it ", "up.", "One ", "more.", "Hel", "lo."]);
        let summary_parts: Vec<i64> = events
            .iter()
            .filter_map(|event| match event {
                ResponsesEvent::ReasoningSummaryPartAdded { item_id, summary_index } => {
                    assert_eq!(item_id, "rs_scripted_7_0");
                    Some(*summary_index)
                }
                _ => None,
            })
            .collect();
        assert_eq!(summary_parts, [0, 1]);
        let done: Vec<&Value> = events
            .iter()
            .filter_map(|event| match event {
                ResponsesEvent::OutputItemDone { item } => Some(item),
                _ => None,
            })
            .collect();
        assert_eq!(
            done,
            [
                &json!({"type": "reasoning", "id": "rs_scripted_7_0", "summary": [
                    {"type": "summary_text", "text": "Looking it up."}, {"type": "summary_text", "text": "One more."}]}),
                &json!({"type": "function_call", "id": "fc_scripted_7_1", "call_id": "call_1", "name": "find_customer",
                    "arguments": "{\"q\":\"bob\"}", "status": "completed", "namespace": "crm"}),
                &json!({"type": "function_call", "id": "fc_raw", "call_id": "call_scripted_7_2", "name": "raw",
                    "arguments": "{not json", "status": "completed"}),
                &json!({"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": "Hello.", "annotations": []}]}),
            ]
        );
        let usage = TokenUsageBreakdown {
            total_tokens: 28,
            input_tokens: 20,
            cached_input_tokens: 4,
            cache_write_input_tokens: 0,
            output_tokens: 8,
            reasoning_output_tokens: 3,
        };
        assert_eq!(events.last(), Some(&ResponsesEvent::Completed { usage: Some(usage) }));
        assert_eq!(events.iter().filter(|event| matches!(event, ResponsesEvent::Completed { .. })).count(), 1);
    }

    #[test]
    fn an_http_error_answers_with_its_status_and_the_apis_error_body() {
        let model = model(
            r#"{"responses": [
                {"status": 429, "error": {"message": "Rate limit reached for requests", "type": "requests"}},
                {"status": 500, "error": {"message": "boom", "code": "internal"}},
                {"status": 400, "error": {"message": "bad input"}}
            ]}"#,
        );
        let expected = [
            (
                429,
                json!({"message": "Rate limit reached for requests", "type": "requests", "param": null, "code": null}),
            ),
            (500, json!({"message": "boom", "type": "server_error", "param": null, "code": "internal"})),
            (400, json!({"message": "bad input", "type": "invalid_request_error", "param": null, "code": null})),
        ];
        for (id, (status, error)) in (1..).zip(expected) {
            let (head, body) = play(&model, id);
            assert_eq!(
                (head.status, head.headers.get("content-type").map(String::as_str)),
                (status, Some("application/json"))
            );
            assert_eq!(serde_json::from_slice::<Value>(&body).ok(), Some(json!({"error": error})));
        }
    }

    #[test]
    fn a_closed_stream_ends_without_completed_and_a_failed_one_with_response_failed() {
        let model = model(
            r#"{"responses": [
                {"output": [{"type": "message", "text": "cut short"}], "end": "closed"},
                {"end": "failed", "error": {"message": "the model had a bad day"}}
            ]}"#,
        );
        let closed = events(&model, 1);
        assert_eq!(texts(&closed), ["cut ", "short"]);
        assert!(matches!(closed.last(), Some(ResponsesEvent::OutputItemDone { .. })), "{closed:?}");
        let failed = events(&model, 2);
        assert_eq!(
            failed,
            [ResponsesEvent::Ignored, ResponsesEvent::Failed { message: "the model had a bad day".into() }]
        );
    }

    #[test]
    fn once_the_script_runs_out_the_model_echoes_with_estimated_usage() {
        let model = model(r#"{"responses": [{"output": [{"type": "message", "text": "scripted"}]}]}"#);
        assert_eq!(texts(&events(&model, 1)), ["scripted"]);
        let echo = events(&model, 2);
        assert_eq!(texts(&echo).concat(), scripted_reply(Some("Look up ABC-123.")));
        let Some(ResponsesEvent::Completed { usage: Some(usage) }) = echo.last() else { panic!("{echo:?}") };
        assert_eq!(usage.output_tokens, texts(&echo).len() as i64);
        assert!(usage.input_tokens > 0);
        assert_eq!(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    }

    #[test]
    fn a_cancelled_request_fails_its_next_read_and_does_not_replay_its_response() {
        let model = model(
            r#"{"responses": [{"output": [{"type": "message", "text": "first"}]}, {"output": [{"type": "message", "text": "second"}]}]}"#,
        );
        block_on(async {
            model.post(request(1, "hi")).await.expect("a head");
            assert!(model.read(1).await.expect("a chunk").is_some());
            model.cancel(1);
            assert_eq!(model.read(1).await, Err(HostError::new("scripted model: request was cancelled")));
        });
        assert_eq!(texts(&events(&model, 2)), ["second"]);
    }
}
