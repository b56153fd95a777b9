//! What a model stream does to the active turn: Responses events become items, deltas and token
//! usage (PROTOCOL.md §7.1–§7.3, §8.5).

use serde_json::Value;

use super::{ActiveTurn, LoadedThread, TurnKind};
use crate::engine::turn_runner::RunnerEvent;
use crate::model::events::{ResponsesEvent, message_text, reasoning_texts};
use crate::model::request;
use crate::protocol::ServerNotification;
use crate::protocol::item::{
    AgentMessageDeltaNotification, ItemDetails, ReasoningSummaryPartAddedNotification,
    ReasoningSummaryTextDeltaNotification, ReasoningTextDeltaNotification, ThreadItem,
};
use crate::protocol::thread::{ThreadTokenUsageUpdatedNotification, TokenUsageBreakdown};

/// The kinds of output item that become thread items.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OutputKind {
    Message,
    Reasoning,
}

fn output_kind(item: &Value) -> Option<OutputKind> {
    match item.get("type").and_then(Value::as_str) {
        Some("message") => Some(OutputKind::Message),
        Some("reasoning") => Some(OutputKind::Reasoning),
        _ => None,
    }
}

fn item_id(item: &Value) -> String {
    item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned()
}

impl LoadedThread {
    pub(super) async fn model_event(&mut self, event: RunnerEvent) {
        match event {
            RunnerEvent::Stream(ResponsesEvent::OutputItemAdded { item }) => self.output_item_added(&item),
            RunnerEvent::Stream(ResponsesEvent::OutputTextDelta { item_id, delta }) => {
                self.output_text_delta(item_id, delta)
            }
            RunnerEvent::Stream(ResponsesEvent::ReasoningSummaryPartAdded { item_id, summary_index }) => {
                self.reasoning_summary_part_added(item_id, summary_index)
            }
            RunnerEvent::Stream(ResponsesEvent::ReasoningSummaryTextDelta { item_id, summary_index, delta }) => {
                self.reasoning_summary_text_delta(item_id, summary_index, delta)
            }
            RunnerEvent::Stream(ResponsesEvent::ReasoningTextDelta { item_id, content_index, delta }) => {
                self.reasoning_text_delta(item_id, content_index, delta)
            }
            RunnerEvent::Stream(ResponsesEvent::OutputItemDone { item }) => self.output_item_done(item),
            RunnerEvent::Stream(ResponsesEvent::Completed { usage }) => {
                if let Some(active) = self.active.as_mut() {
                    // Each sampling request gets the full retry budget.
                    (active.request_retries, active.stream_retries) = (0, 0);
                }
                if let Some(last) = usage {
                    self.record_usage(last);
                }
                match self.active.as_mut() {
                    Some(active) if matches!(active.kind, TurnKind::Compaction { .. }) => {
                        self.complete_compaction().await
                    }
                    Some(active) if active.follow_up => {
                        // The calls are answered: the outputs follow them and the model goes on (§8.4).
                        active.new_history.append(&mut active.tool_outputs);
                        active.follow_up = false;
                        self.request_model();
                    }
                    _ => self.complete_turn().await,
                }
            }
            RunnerEvent::Stream(_) => {}
            RunnerEvent::Failed { error, retry } => self.model_failed(error, retry).await,
        }
    }

    /// Adds one response's usage to the thread's totals and tells subscribers (PROTOCOL.md §7.3).
    pub(super) fn record_usage(&mut self, last: TokenUsageBreakdown) {
        if let Some(turn_id) = self.active.as_ref().map(|active| active.turn.id.clone()) {
            self.count_usage(last, &turn_id);
        }
    }

    /// Adds `last` to the totals and sends the snapshot, attributed to turn `turn_id`.
    pub(super) fn count_usage(&mut self, last: TokenUsageBreakdown, turn_id: &str) {
        self.usage.last = last;
        self.usage.total = self.usage.total.plus(last);
        self.emit_usage(turn_id);
    }

    /// Sends the thread's token usage snapshot, attributed to turn `turn_id`.
    pub(super) fn emit_usage(&self, turn_id: &str) {
        self.emit(ServerNotification::ThreadTokenUsageUpdated(ThreadTokenUsageUpdatedNotification {
            thread_id: self.stored.thread.id.clone(),
            turn_id: turn_id.to_owned(),
            token_usage: self.usage,
        }));
    }

    /// The active turn when its model output becomes items (not a compaction turn).
    fn regular_turn(&mut self) -> Option<&mut ActiveTurn> {
        self.active.as_mut().filter(|active| matches!(active.kind, TurnKind::Regular))
    }

    fn output_item_added(&mut self, item: &Value) {
        let Some(kind) = output_kind(item) else { return };
        let now_ms = self.shared.now_ms();
        let started = match kind {
            OutputKind::Message => agent_message(item_id(item), String::new(), now_ms),
            OutputKind::Reasoning => reasoning(item_id(item), Vec::new(), Vec::new(), now_ms),
        };
        let Some(active) = self.active.as_ref().filter(|active| matches!(active.kind, TurnKind::Regular)) else {
            return;
        };
        self.emit_item_started(active, &started);
        if let Some(active) = self.active.as_mut() {
            active.open_items.push(started);
        }
    }

    /// The open item `item_id` of the active regular turn, with the ids the delta notifications need.
    fn open_item(&mut self, item_id: &str) -> Option<(&mut ThreadItem, String, String)> {
        let thread_id = self.stored.thread.id.clone();
        let active = self.regular_turn()?;
        let turn_id = active.turn.id.clone();
        // A delta for an item never announced is dropped, as 0.169 does (PROTOCOL.md §7.1).
        let open = active.open_items.iter_mut().find(|open| open.id == item_id)?;
        Some((open, thread_id, turn_id))
    }

    fn output_text_delta(&mut self, item_id: String, delta: String) {
        let Some((open, thread_id, turn_id)) = self.open_item(&item_id) else { return };
        let ItemDetails::AgentMessage { text, .. } = &mut open.details else { return };
        text.push_str(&delta);
        let notification =
            ServerNotification::AgentMessageDelta(AgentMessageDeltaNotification { thread_id, turn_id, item_id, delta });
        self.emit(notification);
    }

    fn reasoning_summary_part_added(&mut self, item_id: String, summary_index: i64) {
        let Some((open, thread_id, turn_id)) = self.open_item(&item_id) else { return };
        let ItemDetails::Reasoning { summary, .. } = &mut open.details else { return };
        if grow_to(summary, summary_index).is_none() {
            return;
        }
        let notification = ServerNotification::ReasoningSummaryPartAdded(ReasoningSummaryPartAddedNotification {
            thread_id,
            turn_id,
            item_id,
            summary_index,
        });
        self.emit(notification);
    }

    fn reasoning_summary_text_delta(&mut self, item_id: String, summary_index: i64, delta: String) {
        let Some((open, thread_id, turn_id)) = self.open_item(&item_id) else { return };
        let ItemDetails::Reasoning { summary, .. } = &mut open.details else { return };
        let Some(part) = grow_to(summary, summary_index) else { return };
        part.push_str(&delta);
        let notification = ServerNotification::ReasoningSummaryTextDelta(ReasoningSummaryTextDeltaNotification {
            thread_id,
            turn_id,
            item_id,
            delta,
            summary_index,
        });
        self.emit(notification);
    }

    fn reasoning_text_delta(&mut self, item_id: String, content_index: i64, delta: String) {
        let Some((open, thread_id, turn_id)) = self.open_item(&item_id) else { return };
        let ItemDetails::Reasoning { content, .. } = &mut open.details else { return };
        let Some(part) = grow_to(content, content_index) else { return };
        part.push_str(&delta);
        let notification = ServerNotification::ReasoningTextDelta(ReasoningTextDeltaNotification {
            thread_id,
            turn_id,
            item_id,
            delta,
            content_index,
        });
        self.emit(notification);
    }

    fn output_item_done(&mut self, item: Value) {
        if item.get("type").and_then(Value::as_str) == Some("function_call") {
            return self.function_call(&item);
        }
        let Some(kind) = output_kind(&item) else { return };
        let Some(mut active) = self.active.take() else { return };
        if let TurnKind::Compaction { summary, .. } = &mut active.kind {
            // A compaction turn's answer is the summary; the client never sees it (PROTOCOL.md §7.7).
            if kind == OutputKind::Message {
                summary.push_str(&message_text(&item));
            }
            self.active = Some(active);
            return;
        }
        let now_ms = self.shared.now_ms();
        let id = item_id(&item);
        let finished = match kind {
            OutputKind::Message => agent_message(id.clone(), message_text(&item), now_ms),
            OutputKind::Reasoning => {
                let (summary, content) = reasoning_texts(&item);
                reasoning(id.clone(), summary, content, now_ms)
            }
        };
        let started = match active.open_items.iter().position(|open| open.id == id) {
            Some(position) => active.open_items.remove(position),
            None => {
                // `done` without `added`: the start already carries the full item (PROTOCOL.md §7.1).
                self.emit_item_started(&active, &finished);
                finished.clone()
            }
        };
        let mut finished = ThreadItem { started_at_ms: started.started_at_ms, ..finished };
        // A reasoning item whose final form lacks texts keeps what its deltas streamed.
        if let (
            ItemDetails::Reasoning { summary, content },
            ItemDetails::Reasoning { summary: streamed_summary, content: streamed_content },
        ) = (&mut finished.details, started.details)
        {
            if summary.is_empty() {
                *summary = streamed_summary;
            }
            if content.is_empty() {
                *content = streamed_content;
            }
        }
        match kind {
            OutputKind::Message => active.new_history.push(request::assistant_message(&id, &message_text(&item))),
            // Reasoning is replayed as the model sent it (with `encrypted_content`), §8.3.
            OutputKind::Reasoning => active.new_history.push(item),
        }
        self.emit_item_completed(&mut active, finished);
        self.active = Some(active);
    }
}

/// The part at `index` of a growing list of text parts, created (with any gap) when new.
/// Indexes come from the model stream, so negative or absurd ones are refused (and their delta
/// dropped) rather than allocated.
fn grow_to(parts: &mut Vec<String>, index: i64) -> Option<&mut String> {
    let index = usize::try_from(index).ok().filter(|index| *index <= parts.len() + 16)?;
    if parts.len() <= index {
        parts.resize(index + 1, String::new());
    }
    parts.get_mut(index)
}

/// An agent message item with the null fields 0.169 always writes.
pub(super) fn agent_message(id: String, text: String, started_at_ms: i64) -> ThreadItem {
    ThreadItem {
        id,
        details: ItemDetails::AgentMessage {
            moderation: None,
            text,
            phase: None,
            memory_citation: None,
            delivery: None,
            questions: None,
        },
        started_at_ms: Some(started_at_ms),
        completed_at_ms: None,
    }
}

fn reasoning(id: String, summary: Vec<String>, content: Vec<String>, started_at_ms: i64) -> ThreadItem {
    ThreadItem {
        id,
        details: ItemDetails::Reasoning { summary, content },
        started_at_ms: Some(started_at_ms),
        completed_at_ms: None,
    }
}
