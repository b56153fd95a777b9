//! Host tools on the Responses side: the `tools` array from a thread's `dynamicTools`, the
//! model's `function_call` items, and the `function_call_output` answers (PROTOCOL.md §8.4).

use serde_json::{Value, json};

use crate::protocol::tool::{DynamicToolCallOutputContentItem, DynamicToolCallResponse};

/// What the model receives when the client answered a tool call with a JSON-RPC error.
pub const REQUEST_FAILED: &str = "dynamic tool request failed";
/// What the model receives when the client's answer was not a `DynamicToolCallResponse`.
pub const RESPONSE_INVALID: &str = "dynamic tool response was invalid";
/// What the model receives for a call the turn stopped waiting for (interrupt, steer, failure).
pub const CANCELLED: &str = "dynamic tool call was cancelled before receiving a response";

/// The `tools` of a request: each dynamic tool as a function (namespaces keep their functions),
/// `deferLoading` tools left out, malformed specs skipped.
pub fn request_tools(dynamic_tools: &[Value]) -> Vec<Value> {
    dynamic_tools.iter().filter(|spec| !deferred(spec)).filter_map(request_tool).collect()
}

fn deferred(spec: &Value) -> bool {
    spec.get("deferLoading").and_then(Value::as_bool) == Some(true)
}

fn request_tool(spec: &Value) -> Option<Value> {
    let name = spec.get("name")?.as_str()?;
    let description = spec.get("description").and_then(Value::as_str).unwrap_or_default();
    match spec.get("type").and_then(Value::as_str) {
        Some("namespace") => {
            let tools: Vec<Value> =
                spec.get("tools")?.as_array()?.iter().filter(|tool| !deferred(tool)).filter_map(request_tool).collect();
            Some(json!({"type": "namespace", "name": name, "description": description, "tools": tools}))
        }
        Some("function") | None => Some(json!({"type": "function", "name": name, "description": description,
            "strict": false, "parameters": spec.get("inputSchema").cloned().unwrap_or_else(|| json!({}))})),
        Some(_) => None,
    }
}

/// A model's call of a tool, from a `function_call` output item.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCall {
    /// The Responses item id (`fc_…`).
    pub id: String,
    /// The model's `call_id`: the thread item id and the key of the output.
    pub call_id: String,
    /// The tool name.
    pub name: String,
    /// The namespace the model named, if any.
    pub namespace: Option<String>,
    /// The arguments as the model wrote them (a JSON text).
    pub arguments: String,
}

impl FunctionCall {
    /// Reads a `function_call` item; `None` when it lacks a name or call id.
    pub fn from_item(item: &Value) -> Option<FunctionCall> {
        let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(FunctionCall {
            id: text("id").unwrap_or_default(),
            call_id: text("call_id")?,
            name: text("name")?,
            namespace: text("namespace"),
            arguments: text("arguments").unwrap_or_default(),
        })
    }

    /// The arguments parsed; text that is not JSON stays a string.
    pub fn parsed_arguments(&self) -> Value {
        serde_json::from_str(&self.arguments).unwrap_or_else(|_| Value::String(self.arguments.clone()))
    }

    /// True when `dynamic_tools` declares this tool (in its namespace, if it names one).
    pub fn is_declared(&self, dynamic_tools: &[Value]) -> bool {
        let named = |spec: &Value, kind: &str, name: &str| {
            spec.get("type").and_then(Value::as_str).unwrap_or("function") == kind
                && spec.get("name").and_then(Value::as_str) == Some(name)
        };
        match &self.namespace {
            None => dynamic_tools.iter().any(|spec| named(spec, "function", &self.name)),
            Some(namespace) => dynamic_tools.iter().filter(|spec| named(spec, "namespace", namespace)).any(|spec| {
                spec.get("tools")
                    .and_then(Value::as_array)
                    .is_some_and(|tools| tools.iter().any(|tool| named(tool, "function", &self.name)))
            }),
        }
    }

    /// The call as the history replays it (PROTOCOL.md §8.4).
    pub fn history_item(&self) -> Value {
        let mut item = json!({"type": "function_call", "id": self.id, "name": self.name});
        if let (Some(namespace), Some(object)) = (&self.namespace, item.as_object_mut()) {
            object.insert("namespace".into(), Value::String(namespace.clone()));
        }
        if let Some(object) = item.as_object_mut() {
            object.insert("arguments".into(), Value::String(self.arguments.clone()));
            object.insert("call_id".into(), Value::String(self.call_id.clone()));
        }
        item
    }
}

/// A `function_call_output` item; `output_id` is a fresh uuid (`fco_<uuid>`).
pub fn output_item(output_id: &str, call_id: &str, output: Value) -> Value {
    json!({"type": "function_call_output", "id": format!("fco_{output_id}"), "call_id": call_id, "output": output})
}

/// The `output` of a client's answer: a plain string for exactly one text item, else a list of
/// Responses content parts (PROTOCOL.md §8.4).
pub fn output_of(response: &DynamicToolCallResponse) -> Value {
    if let [DynamicToolCallOutputContentItem::InputText { text }] = response.content_items.as_slice() {
        return Value::String(text.clone());
    }
    let parts: Vec<Value> = response
        .content_items
        .iter()
        .map(|item| match item {
            DynamicToolCallOutputContentItem::InputText { text } => json!({"type": "input_text", "text": text}),
            DynamicToolCallOutputContentItem::InputImage { image_url } => {
                json!({"type": "input_image", "image_url": image_url})
            }
            DynamicToolCallOutputContentItem::InputAudio { audio_url } => {
                json!({"type": "input_audio", "audio_url": audio_url})
            }
        })
        .collect();
    Value::Array(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools() -> Vec<Value> {
        vec![
            json!({"type": "function", "name": "lookup_ticket", "description": "Fetch a ticket by id",
                   "inputSchema": {"type": "object"}}),
            json!({"type": "function", "name": "later", "description": "d", "inputSchema": {}, "deferLoading": true}),
            json!({"type": "namespace", "name": "crm", "description": "CRM tools", "tools": [
                {"type": "function", "name": "find_customer", "description": "Find a customer", "inputSchema": {}}]}),
            json!("not a spec"),
        ]
    }

    #[test]
    fn request_tools_map_specs_and_leave_deferred_ones_out() {
        assert_eq!(
            request_tools(&tools()),
            vec![
                json!({"type": "function", "name": "lookup_ticket", "description": "Fetch a ticket by id",
                       "strict": false, "parameters": {"type": "object"}}),
                json!({"type": "namespace", "name": "crm", "description": "CRM tools", "tools": [
                    {"type": "function", "name": "find_customer", "description": "Find a customer", "strict": false,
                     "parameters": {}}]}),
            ]
        );
    }

    #[test]
    fn calls_are_matched_by_name_and_namespace() {
        let call = |item: Value| FunctionCall::from_item(&item).unwrap();
        let plain = call(json!({"type": "function_call", "id": "fc_1", "name": "lookup_ticket",
            "arguments": "{\"id\": \"A\"}", "call_id": "call_1"}));
        assert!(plain.is_declared(&tools()));
        assert_eq!(plain.parsed_arguments(), json!({"id": "A"}));
        let namespaced =
            call(json!({"name": "find_customer", "namespace": "crm", "arguments": "nope", "call_id": "c"}));
        assert!(namespaced.is_declared(&tools()));
        assert_eq!(namespaced.parsed_arguments(), json!("nope"));
        assert!(!call(json!({"name": "find_customer", "call_id": "c"})).is_declared(&tools()));
        assert!(!call(json!({"name": "no_such_tool", "call_id": "c"})).is_declared(&tools()));
        assert_eq!(FunctionCall::from_item(&json!({"name": "x"})), None);
        assert_eq!(
            namespaced.history_item(),
            json!({"type": "function_call", "id": "", "name": "find_customer", "namespace": "crm",
                   "arguments": "nope", "call_id": "c"})
        );
    }

    #[test]
    fn one_text_item_is_a_plain_string_output_and_anything_else_a_list() {
        let text = |text: &str| DynamicToolCallOutputContentItem::InputText { text: text.into() };
        let one = DynamicToolCallResponse { content_items: vec![text("only")], success: true };
        assert_eq!(output_of(&one), json!("only"));
        let image = DynamicToolCallOutputContentItem::InputImage { image_url: "data:x".into() };
        let two = DynamicToolCallResponse { content_items: vec![text("a"), image], success: true };
        assert_eq!(
            output_of(&two),
            json!([{"type": "input_text", "text": "a"}, {"type": "input_image", "image_url": "data:x"}])
        );
        assert_eq!(output_of(&DynamicToolCallResponse { content_items: vec![], success: false }), json!([]));
    }
}
