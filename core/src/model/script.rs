//! The scripted model's script format (README "Scripted model"): what each model response streams or
//! how it fails, parsed and checked once when the engine is built. `scripted` renders it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// A script for the built-in scripted model: one response per model request, in order. Once they
/// run out, the model answers by echoing the user's last message.
///
/// Deserializing one checks it and names the path of any problem, as `EngineOptions.modelScript`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModelScript {
    /// The answers to the next model requests (turns, tool-call follow-ups, retries, compactions).
    pub responses: Vec<ScriptedResponse>,
}

/// What a script's JSON holds before it is checked. `ModelScript` deserializes through it by hand:
/// ts-rs cannot read serde's `try_from`, and only the script goes through the path-tracking
/// deserializer, which keeps the wasm module small.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a model script object")]
struct UncheckedScript {
    responses: Vec<ScriptedResponse>,
}

impl<'de> Deserialize<'de> for ModelScript {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        ModelScript::from_value(value).map_err(|error| serde::de::Error::custom(error.within("modelScript")))
    }
}

/// One scripted answer: a stream of output items that ends as `end` says, or an HTTP error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export, optional_fields)]
pub struct ScriptedResponse {
    /// HTTP status, 200 when absent. Outside 200–299 the answer is that HTTP error with `error` as
    /// its JSON body, as the API writes it, and nothing streams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The error of an HTTP error answer or of `end: "failed"`; nothing else has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ScriptedError>,
    /// The output items, streamed in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<ScriptedOutputItem>>,
    /// The token usage `response.completed` reports; absent, an estimate from the request's size
    /// and the number of deltas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ScriptedUsage>,
    /// How the stream ends after the output; `completed` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<ScriptedEnd>,
}

/// How a scripted stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ScriptedEnd {
    /// `response.completed` with the usage.
    Completed,
    /// The stream just stops, without `response.completed`.
    Closed,
    /// A `response.failed` event carrying `error`.
    Failed,
}

/// An error as the API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export, optional_fields)]
pub struct ScriptedError {
    /// `error.message`.
    pub message: String,
    /// `error.type` of an HTTP error body; `server_error` for 5xx, `invalid_request_error` otherwise.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `error.code`: null in an HTTP error body and `server_error` in `response.failed` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// One output item of a scripted response, named by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum ScriptedOutputItem {
    /// An assistant message, becoming an `agentMessage` item.
    Message(ScriptedMessage),
    /// A reasoning item whose summary parts stream as deltas, becoming a `reasoning` item.
    Reasoning(ScriptedReasoning),
    /// A function call: for a thread's `dynamicTools` tool, an `item/tool/call` to the client.
    FunctionCall(ScriptedFunctionCall),
}

// Each item's fields live in a struct of their own, which can refuse unknown fields: ts-rs cannot
// read `deny_unknown_fields` on a tagged enum.

/// `{"type": "message"}`: an assistant message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export, optional_fields)]
pub struct ScriptedMessage {
    /// The text: one string streams word by word, a list streams one delta per entry.
    pub text: ScriptedText,
    /// The item id; `msg_scripted_<request>_<index>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `{"type": "reasoning"}`: a reasoning item with summary parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export, optional_fields)]
pub struct ScriptedReasoning {
    /// The summary parts, each streamed like a message's text.
    pub summary: Vec<ScriptedText>,
    /// The item id; `rs_scripted_<request>_<index>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `{"type": "functionCall"}`: the model calls a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export, optional_fields)]
pub struct ScriptedFunctionCall {
    /// The tool's name.
    pub name: String,
    /// The namespace of a namespaced tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The arguments: a string is sent verbatim as the model's JSON text (malformed ones too),
    /// anything else as its JSON. `{}` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "unknown")]
    pub arguments: Option<Value>,
    /// The call id the tool's output answers; `call_scripted_<request>_<index>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The item id; `fc_scripted_<request>_<index>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Streamed text: a string goes out word by word, a list one delta per entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum ScriptedText {
    /// Split after each space into deltas.
    Words(String),
    /// Exactly these deltas.
    Deltas(Vec<String>),
}

/// Token counts for `response.completed`; a missing count is 0, a missing total is input + output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export, optional_fields)]
pub struct ScriptedUsage {
    /// `input_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number")]
    pub input_tokens: Option<i64>,
    /// `input_tokens_details.cached_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number")]
    pub cached_input_tokens: Option<i64>,
    /// `output_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number")]
    pub output_tokens: Option<i64>,
    /// `output_tokens_details.reasoning_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number")]
    pub reasoning_output_tokens: Option<i64>,
    /// `total_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number")]
    pub total_tokens: Option<i64>,
}

impl ModelScript {
    /// Parses and checks a script from JSON text.
    pub fn from_json(text: &str) -> Result<ModelScript, ScriptError> {
        let value =
            serde_json::from_str(text).map_err(|error| ScriptError { path: None, message: error.to_string() })?;
        ModelScript::from_value(value)
    }

    /// Reads and checks a script from parsed JSON; the error says where it went wrong.
    pub fn from_value(value: Value) -> Result<ModelScript, ScriptError> {
        let unchecked: UncheckedScript = serde_path_to_error::deserialize(value).map_err(|error| {
            let path = error.path().to_string();
            ScriptError { path: (path != ".").then_some(path), message: error.into_inner().to_string() }
        })?;
        let script = ModelScript { responses: unchecked.responses };
        script.check()?;
        Ok(script)
    }

    /// Refuses what serde lets through but no answer can mean.
    pub fn check(&self) -> Result<(), ScriptError> {
        for (index, response) in self.responses.iter().enumerate() {
            response.check().map_err(|message| ScriptError { path: Some(format!("responses[{index}]")), message })?;
        }
        Ok(())
    }
}

/// Why a script was refused: where (`responses[2].output[0]`; none for the script as a whole) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// The path of the offending value inside the script.
    pub path: Option<String>,
    /// What is wrong with it.
    pub message: String,
}

impl ScriptError {
    /// The error for a script that sits in field `field` of a larger document.
    pub fn within(&self, field: &str) -> String {
        match &self.path {
            Some(path) => format!("{field}.{path}: {}", self.message),
            None => format!("{field}: {}", self.message),
        }
    }
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ScriptError {}

impl ScriptedResponse {
    /// The answer the built-in model gives once the script has run out: the user's words back.
    pub fn echo(reply: String) -> ScriptedResponse {
        let message = ScriptedOutputItem::Message(ScriptedMessage { text: ScriptedText::Words(reply), id: None });
        ScriptedResponse { output: Some(vec![message]), ..ScriptedResponse::default() }
    }

    fn check(&self) -> Result<(), String> {
        for (index, item) in self.output.iter().flatten().enumerate() {
            if let ScriptedOutputItem::FunctionCall(call) = item
                && call.name.is_empty()
            {
                return Err(format!("output[{index}] is a function call without a name"));
            }
        }
        let status = self.status.unwrap_or(200);
        if !(100..=599).contains(&status) {
            return Err(format!("status {status} is not an HTTP status (100 to 599)"));
        }
        if !(200..300).contains(&status) {
            if self.output.is_some() || self.usage.is_some() || self.end.is_some() {
                return Err(format!(
                    "an HTTP error answer (status {status}) streams nothing: drop output, usage and end"
                ));
            }
            if self.error.is_none() {
                return Err(format!("an HTTP error answer (status {status}) needs an error for its body"));
            }
            return Ok(());
        }
        match (self.end, &self.error) {
            (Some(ScriptedEnd::Failed), None) => Err("end \"failed\" needs an error for response.failed".into()),
            (Some(ScriptedEnd::Failed), Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => Err("error belongs to an HTTP error status or to end \"failed\"".into()),
        }
    }
}

impl ScriptedText {
    /// The deltas this text streams as.
    pub fn deltas(&self) -> Vec<String> {
        match self {
            ScriptedText::Words(text) => text.split_inclusive(' ').map(str::to_owned).collect(),
            ScriptedText::Deltas(deltas) => deltas.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The example under the README's "Scripted model" heading, so the documentation stays true.
    fn readme_example() -> &'static str {
        let readme = include_str!("../../../README.md");
        let section = readme.split("## Scripted model").nth(1).expect("a Scripted model section");
        let block = section.split("```json\n").nth(1).expect("a json block");
        block.split("```").next().expect("the block's end")
    }

    #[test]
    fn the_readme_example_parses_into_every_kind_of_response() {
        let script = ModelScript::from_json(readme_example()).expect("the README example is a valid script");
        let [tool_call, message, rate_limited, closed, failed] = script.responses.as_slice() else {
            panic!("five responses: {script:?}");
        };
        assert_eq!(
            tool_call.output.as_deref(),
            Some(
                [
                    ScriptedOutputItem::Reasoning(ScriptedReasoning {
                        summary: vec![
                            ScriptedText::Words("The user asks about a ticket.".into()),
                            ScriptedText::Deltas(vec!["Looking it ".into(), "up.".into()]),
                        ],
                        id: None,
                    }),
                    ScriptedOutputItem::FunctionCall(ScriptedFunctionCall {
                        name: "lookup_ticket".into(),
                        namespace: None,
                        arguments: Some(json!({"id": "ABC-123"})),
                        call_id: Some("call_1".into()),
                        id: None,
                    }),
                ]
                .as_slice()
            )
        );
        assert_eq!(tool_call.usage.as_ref().and_then(|usage| usage.input_tokens), Some(20));
        assert!(matches!(message.output.as_deref(), Some([ScriptedOutputItem::Message(_)])));
        assert_eq!(rate_limited.status, Some(429));
        assert_eq!(rate_limited.error.as_ref().and_then(|error| error.kind.as_deref()), Some("requests"));
        assert_eq!(closed.end, Some(ScriptedEnd::Closed));
        assert_eq!(
            (failed.end, failed.error.as_ref().map(|e| e.message.as_str())),
            (Some(ScriptedEnd::Failed), Some("the model had a bad day"))
        );
    }

    #[test]
    fn text_streams_word_by_word_or_as_the_deltas_given() {
        assert_eq!(ScriptedText::Words("one two  three".into()).deltas(), ["one ", "two ", " ", "three"]);
        assert_eq!(ScriptedText::Words(String::new()).deltas(), Vec::<String>::new());
        assert_eq!(ScriptedText::Deltas(vec!["a".into(), "".into()]).deltas(), ["a", ""]);
    }

    #[test]
    fn a_script_round_trips_through_json() {
        let script = ModelScript::from_json(readme_example()).unwrap();
        let text = serde_json::to_string(&script).unwrap();
        assert_eq!(ModelScript::from_json(&text), Ok(script));
    }

    #[test]
    fn malformed_scripts_are_refused_with_the_path_of_the_problem() {
        let cases = [
            ("5", "invalid type: integer `5`, expected a model script object"),
            ("{}", "missing field `responses`"),
            (r#"{"responses": [], "extra": 1}"#, "extra: unknown field `extra`"),
            (r#"{"responses": [{"outputs": []}]}"#, "responses[0].outputs: unknown field `outputs`"),
            (
                r#"{"responses": [{"output": [{"type": "functoinCall", "name": "x"}]}]}"#,
                "responses[0].output[0].type: unknown variant `functoinCall`",
            ),
            (r#"{"responses": [{"output": [{"type": "message"}]}]}"#, "responses[0].output[0]: missing field `text`"),
            (
                r#"{"responses": [{"output": [{"type": "message", "text": 5}]}]}"#,
                "responses[0].output[0]: data did not match any variant of untagged enum ScriptedText",
            ),
            (
                r#"{"responses": [{"output": [{"type": "functionCall", "name": "x", "callID": "c"}]}]}"#,
                "responses[0].output[0]: unknown field `callID`",
            ),
            (r#"{"responses": [{"end": "done"}]}"#, "responses[0].end: unknown variant `done`"),
            (r#"{"responses": [{"status": 70000}]}"#, "responses[0].status: invalid value"),
            (r#"{"responses": [{"usage": {"inputTokens": "ten"}}]}"#, "responses[0].usage.inputTokens: invalid type"),
            (r#"{"responses": [{}, {"status": 42}]}"#, "responses[1]: status 42 is not an HTTP status (100 to 599)"),
            (
                r#"{"responses": [{"status": 500}]}"#,
                "responses[0]: an HTTP error answer (status 500) needs an error for its body",
            ),
            (
                r#"{"responses": [{"status": 503, "error": {"message": "down"}, "end": "closed"}]}"#,
                "responses[0]: an HTTP error answer (status 503) streams nothing: drop output, usage and end",
            ),
            (
                r#"{"responses": [{"end": "failed"}]}"#,
                "responses[0]: end \"failed\" needs an error for response.failed",
            ),
            (
                r#"{"responses": [{"error": {"message": "x"}}]}"#,
                "responses[0]: error belongs to an HTTP error status or to end \"failed\"",
            ),
            (
                r#"{"responses": [{"output": [{"type": "functionCall", "name": ""}]}]}"#,
                "responses[0]: output[0] is a function call without a name",
            ),
            ("{\"responses\": [", "EOF while parsing a list"),
        ];
        for (text, expected) in cases {
            match ModelScript::from_json(text) {
                Ok(script) => panic!("{text} parsed: {script:?}"),
                Err(error) => assert!(error.to_string().starts_with(expected), "{text}: {error}"),
            }
        }
    }

    #[test]
    fn the_smallest_answers_are_valid() {
        let script = ModelScript::from_json(
            r#"{"responses": [{}, {"output": []}, {"status": 201}, {"status": 400, "error": {"message": "bad"}}]}"#,
        );
        assert_eq!(script.map(|script| script.responses.len()), Ok(4));
    }

    #[test]
    fn an_error_names_the_field_a_script_sits_in() {
        let nested = ModelScript::from_json(r#"{"responses": [{"end": "failed"}]}"#).unwrap_err();
        assert_eq!(
            nested.within("modelScript"),
            "modelScript.responses[0]: end \"failed\" needs an error for response.failed"
        );
        let whole = ModelScript::from_json("\"script.json\"").unwrap_err();
        assert_eq!(whole.path, None);
        assert_eq!(
            whole.within("modelScript"),
            "modelScript: invalid type: string \"script.json\", expected a model script object"
        );
    }
}
