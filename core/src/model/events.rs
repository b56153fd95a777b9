//! Responses API stream events, decoded from SSE `data:` JSON into what a turn acts on
//! (PROTOCOL.md §8.5).

use serde_json::Value;

use super::sse::SseEvent;
use crate::protocol::thread::TokenUsageBreakdown;

/// One stream event a turn reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponsesEvent {
    /// `response.output_item.added`: an output item begins.
    OutputItemAdded {
        /// The item as announced.
        item: Value,
    },
    /// `response.output_text.delta`: text for a message item.
    OutputTextDelta {
        /// The message item id.
        item_id: String,
        /// Text to append.
        delta: String,
    },
    /// `response.reasoning_summary_part.added`: a reasoning summary part begins.
    ReasoningSummaryPartAdded {
        /// The reasoning item id.
        item_id: String,
        /// Index of the part.
        summary_index: i64,
    },
    /// `response.reasoning_summary_text.delta`: text for a reasoning summary part.
    ReasoningSummaryTextDelta {
        /// The reasoning item id.
        item_id: String,
        /// Index of the part.
        summary_index: i64,
        /// Text to append.
        delta: String,
    },
    /// `response.reasoning_text.delta`: raw reasoning text.
    ReasoningTextDelta {
        /// The reasoning item id.
        item_id: String,
        /// Index of the content part.
        content_index: i64,
        /// Text to append.
        delta: String,
    },
    /// `response.output_item.done`: an output item is final.
    OutputItemDone {
        /// The final item.
        item: Value,
    },
    /// `response.completed`: the response ended normally.
    Completed {
        /// Token usage, when reported.
        usage: Option<TokenUsageBreakdown>,
    },
    /// `response.failed` with its error message.
    Failed {
        /// `response.error.message`.
        message: String,
    },
    /// `response.incomplete` with its reason.
    Incomplete {
        /// `response.incomplete_details.reason`.
        reason: String,
    },
    /// A top-level `error` event.
    StreamError {
        /// Its message.
        message: String,
    },
    /// Anything the core does not act on (`response.created`, `.done` echoes, …).
    Ignored,
}

/// Decodes one SSE event. `Err` carries the JSON error of a malformed `data:` payload.
pub fn decode(event: &SseEvent) -> Result<ResponsesEvent, String> {
    let data: Value = serde_json::from_str(&event.data).map_err(|error| error.to_string())?;
    // The core keys on `data.type`; the `event:` line is only a fallback (PROTOCOL.md §8.5).
    let kind = data.get("type").and_then(Value::as_str).or(event.event.as_deref()).unwrap_or("");
    let text = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or_default().to_owned();
    let index = |key: &str| data.get(key).and_then(Value::as_i64).unwrap_or(0);
    Ok(match kind {
        "response.output_item.added" => match data.get("item") {
            Some(item) => ResponsesEvent::OutputItemAdded { item: item.clone() },
            None => ResponsesEvent::Ignored,
        },
        "response.output_text.delta" => {
            ResponsesEvent::OutputTextDelta { item_id: text(data.get("item_id")), delta: text(data.get("delta")) }
        }
        "response.reasoning_summary_part.added" => ResponsesEvent::ReasoningSummaryPartAdded {
            item_id: text(data.get("item_id")),
            summary_index: index("summary_index"),
        },
        "response.reasoning_summary_text.delta" => ResponsesEvent::ReasoningSummaryTextDelta {
            item_id: text(data.get("item_id")),
            summary_index: index("summary_index"),
            delta: text(data.get("delta")),
        },
        "response.reasoning_text.delta" => ResponsesEvent::ReasoningTextDelta {
            item_id: text(data.get("item_id")),
            content_index: index("content_index"),
            delta: text(data.get("delta")),
        },
        "response.output_item.done" => match data.get("item") {
            Some(item) => ResponsesEvent::OutputItemDone { item: item.clone() },
            None => ResponsesEvent::Ignored,
        },
        "response.completed" => ResponsesEvent::Completed {
            usage: data.pointer("/response/usage").filter(|usage| usage.is_object()).map(usage_breakdown),
        },
        "response.failed" => ResponsesEvent::Failed { message: text(data.pointer("/response/error/message")) },
        "response.incomplete" => {
            ResponsesEvent::Incomplete { reason: text(data.pointer("/response/incomplete_details/reason")) }
        }
        "error" => ResponsesEvent::StreamError {
            message: text(data.get("message").or_else(|| data.pointer("/error/message"))),
        },
        _ => ResponsesEvent::Ignored,
    })
}

/// Maps a Responses `usage` object to a breakdown (PROTOCOL.md §3.7). Missing numbers count as 0.
pub fn usage_breakdown(usage: &Value) -> TokenUsageBreakdown {
    let number = |pointer: &str| usage.pointer(pointer).and_then(Value::as_i64).unwrap_or(0);
    TokenUsageBreakdown {
        total_tokens: number("/total_tokens"),
        input_tokens: number("/input_tokens"),
        cached_input_tokens: number("/input_tokens_details/cached_tokens"),
        cache_write_input_tokens: 0,
        output_tokens: number("/output_tokens"),
        reasoning_output_tokens: number("/output_tokens_details/reasoning_tokens"),
    }
}

/// The texts of a final reasoning item's `summary` (`summary_text` parts) and `content`
/// (`reasoning_text` parts), as the reasoning `ThreadItem` shows them.
pub fn reasoning_texts(item: &Value) -> (Vec<String>, Vec<String>) {
    let texts = |key: &str, kind: &str| -> Vec<String> {
        item.get(key)
            .and_then(Value::as_array)
            .map(|parts| {
                parts
                    .iter()
                    .filter(|part| part.get("type").and_then(Value::as_str) == Some(kind))
                    .filter_map(|part| part.get("text").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    (texts("summary", "summary_text"), texts("content", "reasoning_text"))
}

/// The text of a final message item: its `output_text` parts, concatenated.
pub fn message_text(item: &Value) -> String {
    item.get("content")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter(|part| part.get("type").and_then(Value::as_str) == Some("output_text"))
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sse(data: Value) -> SseEvent {
        SseEvent { event: None, data: data.to_string() }
    }

    #[test]
    fn completed_maps_usage_with_cached_and_reasoning_tokens() {
        let event = sse(json!({"type": "response.completed", "response": {"id": "r", "usage": {
            "input_tokens": 30, "input_tokens_details": {"cached_tokens": 12},
            "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 7}, "total_tokens": 50}}}));
        assert_eq!(
            decode(&event),
            Ok(ResponsesEvent::Completed {
                usage: Some(TokenUsageBreakdown {
                    total_tokens: 50,
                    input_tokens: 30,
                    cached_input_tokens: 12,
                    cache_write_input_tokens: 0,
                    output_tokens: 20,
                    reasoning_output_tokens: 7,
                })
            })
        );
    }

    #[test]
    fn the_event_line_is_used_when_data_has_no_type() {
        let event = SseEvent {
            event: Some("response.output_text.delta".into()),
            data: r#"{"item_id":"m","delta":"x"}"#.into(),
        };
        assert_eq!(decode(&event), Ok(ResponsesEvent::OutputTextDelta { item_id: "m".into(), delta: "x".into() }));
    }

    #[test]
    fn malformed_json_and_odd_shapes_never_panic() {
        assert!(decode(&SseEvent { event: None, data: "{nope".into() }).is_err());
        assert_eq!(decode(&sse(json!({"type": "response.output_item.added"}))), Ok(ResponsesEvent::Ignored));
        assert_eq!(
            decode(&sse(json!({"type": "response.output_text.delta", "delta": 5}))),
            Ok(ResponsesEvent::OutputTextDelta { item_id: String::new(), delta: String::new() })
        );
        assert_eq!(decode(&sse(json!([1, 2]))), Ok(ResponsesEvent::Ignored));
    }

    #[test]
    fn reasoning_events_carry_their_indexes() {
        let event = sse(json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs", "output_index": 0,
            "summary_index": 1, "delta": "Thinking"}));
        assert_eq!(
            decode(&event),
            Ok(ResponsesEvent::ReasoningSummaryTextDelta {
                item_id: "rs".into(),
                summary_index: 1,
                delta: "Thinking".into()
            })
        );
        let event =
            sse(json!({"type": "response.reasoning_text.delta", "item_id": "rs", "content_index": 2, "delta": "x"}));
        assert_eq!(
            decode(&event),
            Ok(ResponsesEvent::ReasoningTextDelta { item_id: "rs".into(), content_index: 2, delta: "x".into() })
        );
        let event =
            sse(json!({"type": "response.reasoning_summary_part.added", "item_id": "rs", "summary_index": "x"}));
        assert_eq!(
            decode(&event),
            Ok(ResponsesEvent::ReasoningSummaryPartAdded { item_id: "rs".into(), summary_index: 0 })
        );
    }

    #[test]
    fn reasoning_texts_split_summary_and_content() {
        let item = json!({"type": "reasoning", "summary": [{"type": "summary_text", "text": "a"}, {"type": "summary_text", "text": "b"}],
            "content": [{"type": "reasoning_text", "text": "raw"}], "encrypted_content": "zzz"});
        assert_eq!(reasoning_texts(&item), (vec!["a".to_owned(), "b".to_owned()], vec!["raw".to_owned()]));
        assert_eq!(reasoning_texts(&json!({"type": "reasoning", "summary": 3})), (vec![], vec![]));
    }

    #[test]
    fn message_text_concatenates_output_text_parts() {
        let item = json!({"type": "message", "content": [
            {"type": "output_text", "text": "Hello"}, {"type": "refusal", "refusal": "no"},
            {"type": "output_text", "text": " there"}]});
        assert_eq!(message_text(&item), "Hello there");
    }
}
