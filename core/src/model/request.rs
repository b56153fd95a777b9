//! Responses API request building: input items from a thread's history and a turn's input, the
//! body, and the headers (PROTOCOL.md §8.1–§8.4).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
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

/// The JSON text of a streamed sampling request whose `input` is the items of `input`'s slices in
/// order. Written in one pass from borrowed items: the input is a thread's whole history, sent
/// again on every request, so it is neither copied nor built into a `Value` first.
pub fn body(context: &RequestContext<'_>, input: &[&[Value]], tools: &[Value]) -> String {
    let body = Body {
        model: context.model,
        stream: true,
        input: Input(input),
        tools,
        tool_choice: "auto",
        parallel_tool_calls: context.parallel_tool_calls,
        reasoning: Reasoning { effort: context.effort, summary: context.summary.unwrap_or("auto") },
        store: false,
        include: ["reasoning.encrypted_content"],
        prompt_cache_key: context.thread_id,
        // The Responses API's structured output, named and strict as codex sends it.
        text: context.output_schema.map(|schema| TextFormat {
            format: JsonSchemaFormat { r#type: "json_schema", strict: true, schema, name: "codex_output_schema" },
        }),
    };
    // Only a map with non-string keys could fail to serialize, and a `Value` has none.
    serde_json::to_string(&body).unwrap_or_default()
}

/// The body's members in the order 0.169 writes them.
#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    stream: bool,
    input: Input<'a>,
    tools: &'a [Value],
    tool_choice: &'static str,
    parallel_tool_calls: bool,
    reasoning: Reasoning<'a>,
    store: bool,
    include: [&'static str; 1],
    prompt_cache_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<TextFormat<'a>>,
}

/// Several slices of items written as one JSON array.
struct Input<'a>(&'a [&'a [Value]]);

impl Serialize for Input<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().flat_map(|items| items.iter()))
    }
}

#[derive(Serialize)]
struct Reasoning<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    effort: Option<&'a str>,
    summary: &'a str,
}

#[derive(Serialize)]
struct TextFormat<'a> {
    format: JsonSchemaFormat<'a>,
}

#[derive(Serialize)]
struct JsonSchemaFormat<'a> {
    r#type: &'static str,
    strict: bool,
    schema: &'a Value,
    name: &'static str,
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
        let input = [
            developer_message("a", "be terse"),
            user_message("b", &[UserInput::Text { text: "hi".into(), text_elements: vec![] }]),
        ];
        let text = body(&context, &[&input[..1], &input[1..]], &[]);
        let body: Value = serde_json::from_str(&text).expect("the body is JSON");
        assert_eq!(body["stream"], json!(true));
        assert_eq!(body["reasoning"], json!({"summary": "auto"}));
        assert!(body.get("instructions").is_none());
        assert_eq!(body["input"][1]["content"], json!([{"type": "input_text", "text": "hi"}]));
        assert_eq!(body["prompt_cache_key"], json!("t"));
    }

    #[test]
    fn the_body_keeps_0169s_member_order_and_adds_the_output_schema_last() {
        let schema = json!({"type": "object"});
        let context = RequestContext {
            thread_id: "t",
            model: "m",
            effort: Some("high"),
            summary: Some("none"),
            originator: "o",
            user_agent: "ua",
            parallel_tool_calls: false,
            output_schema: Some(&schema),
        };
        let input = [json!({"n": 1}), json!({"n": 2}), json!({"n": 3})];
        let text = body(&context, &[&input[..2], &[], &input[2..]], &[json!({"type": "function"})]);
        assert_eq!(
            text,
            concat!(
                r#"{"model":"m","stream":true,"input":[{"n":1},{"n":2},{"n":3}],"tools":[{"type":"function"}],"#,
                r#""tool_choice":"auto","parallel_tool_calls":false,"reasoning":{"effort":"high","summary":"none"},"#,
                r#""store":false,"include":["reasoning.encrypted_content"],"prompt_cache_key":"t","#,
                r#""text":{"format":{"type":"json_schema","strict":true,"schema":{"type":"object"},"name":"codex_output_schema"}}}"#
            )
        );
    }
}
