//! Responses API request building: input items from a thread's history and a turn's input, the
//! body, and the headers (PROTOCOL.md §8.1–§8.4).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::protocol::item::UserInput;

/// What one sampling request needs besides the history.
pub struct RequestContext<'a> {
    /// The thread id: `prompt_cache_key`, `session-id`, `thread-id`.
    pub thread_id: &'a str,
    /// The model.
    pub model: &'a str,
    /// Reasoning effort, when set.
    pub effort: Option<&'a str>,
    /// Reasoning summary mode; `auto` when unset.
    pub summary: Option<&'a str>,
    /// `clientInfo.name` of the thread's client.
    pub originator: &'a str,
    /// The connection's user agent.
    pub user_agent: &'a str,
    /// False for compaction requests, as 0.169 sends them (PROTOCOL.md §8.6).
    pub parallel_tool_calls: bool,
    /// `turn/start.outputSchema` of the running turn: the final answer must match it.
    pub output_schema: Option<&'a Value>,
}

/// A developer message carrying instructions; `id` is `msg_<uuid>` as 0.169 writes it.
pub fn developer_message(id: &str, text: &str) -> Value {
    json!({"type": "message", "id": format!("msg_{id}"), "role": "developer",
           "content": [{"type": "input_text", "text": text}]})
}

/// The developer messages a thread's history opens with: base instructions, then developer
/// instructions, each when set; `new_id` names each message.
pub fn instruction_messages(
    base_instructions: Option<&str>,
    developer_instructions: Option<&str>,
    mut new_id: impl FnMut() -> String,
) -> Vec<Value> {
    [base_instructions, developer_instructions]
        .into_iter()
        .flatten()
        .map(|text| developer_message(&new_id(), text))
        .collect()
}

/// The user's input as a Responses message (`text_elements` dropped, images as `input_image`).
pub fn user_message(id: &str, input: &[UserInput]) -> Value {
    let content: Vec<Value> = input
        .iter()
        .map(|part| match part {
            UserInput::Text { text, .. } => json!({"type": "input_text", "text": text}),
            UserInput::Image { url, detail } => {
                json!({"type": "input_image", "image_url": url, "detail": detail.as_deref().unwrap_or("high")})
            }
        })
        .collect();
    json!({"type": "message", "id": format!("msg_{id}"), "role": "user", "content": content})
}

/// The marker appended to the history after an interrupted turn, so the model knows its last
/// answer was cut off on purpose (PROTOCOL.md §7.4; the wording is Spindle's own).
pub fn turn_aborted(id: &str) -> Value {
    let text =
        "<turn_aborted>\nThe user interrupted the previous turn; its unfinished output was discarded.\n</turn_aborted>";
    json!({"type": "message", "id": format!("msg_{id}"), "role": "user",
           "content": [{"type": "input_text", "text": text}]})
}

/// An assistant message as replayed on later requests (PROTOCOL.md §8.3).
pub fn assistant_message(id: &str, text: &str) -> Value {
    json!({"type": "message", "id": id, "role": "assistant",
           "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

/// The JSON body of a streamed sampling request over `input`.
pub fn body(context: &RequestContext<'_>, input: &[Value], tools: &[Value]) -> Value {
    let mut reasoning = serde_json::Map::new();
    if let Some(effort) = context.effort {
        reasoning.insert("effort".into(), Value::String(effort.into()));
    }
    reasoning.insert("summary".into(), Value::String(context.summary.unwrap_or("auto").into()));
    let mut body = json!({
        "model": context.model,
        "stream": true,
        "input": input,
        "tools": tools,
        "tool_choice": "auto",
        "parallel_tool_calls": context.parallel_tool_calls,
        "reasoning": reasoning,
        "store": false,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": context.thread_id,
    });
    if let (Some(schema), Some(body)) = (context.output_schema, body.as_object_mut()) {
        // The Responses API's structured output, named and strict as codex sends it.
        body.insert(
            "text".into(),
            json!({"format": {"type": "json_schema", "strict": true, "schema": schema, "name": "codex_output_schema"}}),
        );
    }
    body
}

/// The headers core sends; the transport adds `authorization` (PROTOCOL.md §8.1).
pub fn headers(context: &RequestContext<'_>) -> BTreeMap<String, String> {
    [
        ("accept", "text/event-stream"),
        ("content-type", "application/json"),
        ("originator", context.originator),
        ("user-agent", context.user_agent),
        ("session-id", context.thread_id),
        ("thread-id", context.thread_id),
        ("x-client-request-id", context.thread_id),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_no_instructions_field_and_streams() {
        let context = RequestContext {
            thread_id: "t",
            model: "mock-model",
            effort: None,
            summary: None,
            originator: "o",
            user_agent: "ua",
            parallel_tool_calls: true,
            output_schema: None,
        };
        let input = vec![
            developer_message("a", "be terse"),
            user_message("b", &[UserInput::Text { text: "hi".into(), text_elements: vec![] }]),
        ];
        let body = body(&context, &input, &[]);
        assert_eq!(body["stream"], json!(true));
        assert_eq!(body["reasoning"], json!({"summary": "auto"}));
        assert!(body.get("instructions").is_none());
        assert_eq!(body["input"][1]["content"], json!([{"type": "input_text", "text": "hi"}]));
        assert_eq!(body["prompt_cache_key"], json!("t"));
    }
}
