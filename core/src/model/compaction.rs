//! The compaction request's prompt and what the model history becomes after it (PROTOCOL.md §8.6).
//! The prompt and the summary preface are Spindle's own words.

use serde_json::{Value, json};

/// Asks the model for the summary; the last input item of a compaction request (no `id`, as 0.169).
const COMPACTION_PROMPT: &str = "Summarise this conversation so that it can continue from the summary alone. \
Keep the user's goals and requests, decisions made, facts learned, open questions and what remains to be \
done. Answer with the summary only.";

/// Opens the message that carries the summary in the compacted history.
const SUMMARY_PREFACE: &str = "<conversation_summary>\nEarlier turns of this conversation were compacted. \
This summary replaces them:\n</conversation_summary>";

/// Opens the marker an interrupted turn leaves (see `request::turn_aborted`).
const TURN_ABORTED_TAG: &str = "<turn_aborted>";

/// The final user message of a compaction request.
pub fn compaction_prompt() -> Value {
    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": COMPACTION_PROMPT}]})
}

/// The model history after a compaction: the instructions (developer messages) and the user's own
/// messages in their order, then one user message with the summary. Assistant output, reasoning,
/// tool traffic, interruption markers and earlier summaries are dropped: the summary covers them.
pub fn compacted_history(history: &[Value], summary: &str, summary_id: &str) -> Vec<Value> {
    let mut compacted: Vec<Value> = history
        .iter()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("message"))
        .filter(|item| match item.get("role").and_then(Value::as_str) {
            Some("developer") => true,
            Some("user") => !first_text(item)
                .is_some_and(|text| text.starts_with(SUMMARY_PREFACE) || text.starts_with(TURN_ABORTED_TAG)),
            _ => false,
        })
        .cloned()
        .collect();
    compacted.push(json!({"type": "message", "id": format!("msg_{summary_id}"), "role": "user",
        "content": [{"type": "input_text", "text": format!("{SUMMARY_PREFACE}\n{summary}")}]}));
    compacted
}

/// A rough token count of model input: about four bytes of JSON per token.
pub fn estimate_tokens(items: &[Value]) -> i64 {
    let bytes: usize = items.iter().map(|item| item.to_string().len()).sum();
    i64::try_from(bytes.div_ceil(4)).unwrap_or(i64::MAX)
}

fn first_text(item: &Value) -> Option<&str> {
    item.pointer("/content/0/text").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request::{assistant_message, developer_message, turn_aborted};

    fn user(id: &str, text: &str) -> Value {
        json!({"type": "message", "id": id, "role": "user", "content": [{"type": "input_text", "text": text}]})
    }

    #[test]
    fn keeps_instructions_and_user_messages_then_the_summary() {
        let history = vec![
            developer_message("a", "Be terse."),
            user("msg_b", "First request."),
            json!({"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "x"}),
            assistant_message("msg_c", "Done."),
            turn_aborted("d"),
            user("msg_e", "Second request."),
        ];
        let compacted = compacted_history(&history, "SUMMARY: two requests.", "f");
        let ids: Vec<&str> = compacted.iter().filter_map(|item| item.get("id").and_then(Value::as_str)).collect();
        assert_eq!(ids, ["msg_a", "msg_b", "msg_e", "msg_f"]);
        let last = first_text(&compacted[3]).unwrap();
        assert!(last.starts_with(SUMMARY_PREFACE) && last.ends_with("\nSUMMARY: two requests."), "{last}");
    }

    #[test]
    fn a_second_compaction_replaces_the_first_summary() {
        let once = compacted_history(&[user("msg_a", "Hi")], "first", "s1");
        let twice = compacted_history(&once, "second", "s2");
        assert_eq!(twice.len(), 2);
        assert!(first_text(&twice[1]).unwrap().ends_with("second"));
    }

    #[test]
    fn the_prompt_has_no_id_and_the_estimate_grows_with_the_input() {
        assert!(compaction_prompt().get("id").is_none());
        let small = estimate_tokens(&[user("msg_a", "Hi")]);
        let large = estimate_tokens(&[user("msg_a", &"word ".repeat(100))]);
        assert!(small > 0 && large > small + 100);
    }
}
