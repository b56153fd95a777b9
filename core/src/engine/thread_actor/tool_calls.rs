//! Host tool calls inside a turn (PROTOCOL.md §7.5, §8.4): a declared `function_call` becomes a
//! `dynamicToolCall` item and an `item/tool/call` request to the client; the model stream waits
//! until it is answered; the outputs go back to the model in a follow-up request.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{ActiveTurn, LoadedThread, ThreadCommand, TurnKind};
use crate::engine::outbox::{ClientAnswer, Outbox};
use crate::engine::turn_runner::RunnerEvent;
use crate::host::boxed;
use crate::ids;
use crate::model::events::ResponsesEvent;
use crate::model::tools::{self, FunctionCall};
use crate::protocol::item::{ItemDetails, ThreadItem};
use crate::protocol::tool::{
    DynamicToolCallOutputContentItem, DynamicToolCallParams, DynamicToolCallResponse, DynamicToolCallStatus,
    TOOL_CALL_METHOD,
};

/// A tool call waiting for the client's answer. While one waits, the rest of the model stream is
/// held back, as 0.169 handles one call at a time (PROTOCOL.md §7.5).
pub(super) struct PendingCall {
    item: ThreadItem,
    asked_at_ms: i64,
    /// The connection asked and its server request id.
    asked: Option<(Arc<Outbox>, i64)>,
}

impl LoadedThread {
    /// A `function_call` output item of the active regular turn is done.
    pub(super) fn function_call(&mut self, item: &Value) {
        let Some(call) = FunctionCall::from_item(item) else { return };
        let Some(mut active) = self.active.take() else { return };
        if !matches!(active.kind, TurnKind::Regular) {
            self.active = Some(active);
            return;
        }
        let now_ms = self.shared.now_ms();
        active.new_history.push(call.history_item());
        active.follow_up = true;
        if !call.is_declared(&self.stored.settings.dynamic_tools) {
            // No item and no request: the model just hears the call is unsupported (§7.5).
            let output = Value::String(format!("unsupported call: {}", call.name));
            active.tool_outputs.push(tools::output_item(&ids::new_id(now_ms), &call.call_id, output));
            self.active = Some(active);
            return;
        }
        let arguments = call.parsed_arguments();
        let item = ThreadItem {
            id: call.call_id.clone(),
            details: ItemDetails::DynamicToolCall {
                namespace: call.namespace.clone(),
                tool: call.name.clone(),
                arguments: arguments.clone(),
                status: DynamicToolCallStatus::InProgress,
                content_items: None,
                success: None,
                duration_ms: None,
            },
            started_at_ms: Some(now_ms),
            completed_at_ms: None,
        };
        self.emit_item_started(&active, &item);
        // The turn's owner runs the tool, so two windows on one thread do not both run it.
        let target =
            active.owner.clone().filter(|owner| !owner.is_closed()).or_else(|| self.subscribers.first().cloned());
        let params = DynamicToolCallParams {
            thread_id: self.stored.thread.id.clone(),
            turn_id: active.turn.id.clone(),
            call_id: call.call_id.clone(),
            namespace: call.namespace,
            tool: call.name,
            arguments,
        };
        let asked = target.map(|outbox| {
            let (id, answer) = outbox.request(TOOL_CALL_METHOD, serde_json::to_value(&params).unwrap_or(Value::Null));
            let actor = self.tx.clone();
            let call_id = call.call_id.clone();
            self.shared.spawn.spawn(boxed(async move {
                // A dropped sender (connection closed, call forgotten) reaches the actor as `None`.
                let answer = answer.await.ok();
                let _ = actor.send(ThreadCommand::ToolAnswer { call_id, answer });
            }));
            (outbox, id)
        });
        let nobody_asked = asked.is_none();
        active.pending_call = Some(PendingCall { item, asked_at_ms: now_ms, asked });
        self.active = Some(active);
        if nobody_asked {
            // No connection can run the tool: fail the call at once instead of waiting forever.
            let _ = self.tx.send(ThreadCommand::ToolAnswer { call_id: call.call_id, answer: None });
        }
    }

    /// The client answered tool call `call_id` (or can no longer answer): complete the item,
    /// keep the output for the model, and let the held-back stream go on.
    pub(super) async fn tool_answer(&mut self, call_id: String, answer: Option<ClientAnswer>) {
        let Some(mut active) = self.active.take() else { return };
        let Some(pending) = active.pending_call.take_if(|pending| pending.item.id == call_id) else {
            // A late answer to a call the turn already settled (interrupt, steer) is ignored.
            self.active = Some(active);
            return;
        };
        let (content_items, success, output) = match answer {
            Some(Ok(result)) => match serde_json::from_value::<DynamicToolCallResponse>(result) {
                Ok(response) => {
                    let output = tools::output_of(&response);
                    (response.content_items, response.success, output)
                }
                Err(_) => failure_output(tools::RESPONSE_INVALID),
            },
            Some(Err(_)) | None => failure_output(tools::REQUEST_FAILED),
        };
        self.finish_call(&mut active, pending, content_items, success, output);
        self.active = Some(active);
        self.release_held_events().await;
    }

    fn finish_call(
        &self,
        active: &mut ActiveTurn,
        pending: PendingCall,
        content: Vec<DynamicToolCallOutputContentItem>,
        succeeded: bool,
        output: Value,
    ) {
        let now_ms = self.shared.now_ms();
        let mut item = pending.item;
        if let ItemDetails::DynamicToolCall { status, content_items, success, duration_ms, .. } = &mut item.details {
            *status = if succeeded { DynamicToolCallStatus::Completed } else { DynamicToolCallStatus::Failed };
            *content_items = Some(content);
            *success = Some(succeeded);
            *duration_ms = Some(now_ms.saturating_sub(pending.asked_at_ms));
        }
        active.tool_outputs.push(tools::output_item(&ids::new_id(now_ms), &item.id, output));
        self.emit_item_completed(active, item);
    }

    /// Model events held back while a call waited, applied in order until another call waits.
    async fn release_held_events(&mut self) {
        loop {
            let Some(active) = self.active.as_mut() else { return };
            if active.pending_call.is_some() {
                return;
            }
            let Some(event) = active.held_events.pop_front() else { return };
            self.model_event(event).await;
        }
    }

    /// Before a turn stops waiting for its model response (interrupt, steer, failure): a waiting
    /// call fails as cancelled, and every call of the response gets its output into the history,
    /// so the next request never carries a call without an answer (§7.4, §8.4).
    pub(super) fn settle_tool_calls(&mut self, active: &mut ActiveTurn) {
        if let Some(pending) = active.pending_call.take() {
            if let Some((outbox, id)) = &pending.asked {
                outbox.forget(*id);
            }
            self.finish_call(active, pending, Vec::new(), false, json!(tools::CANCELLED));
        }
        // A response that completed while the call waited still counts (PROTOCOL.md §7.3):
        // 0.169 reports its usage right after the cancelled call, before the interrupt answer.
        let held_usage = active.held_events.iter().find_map(|event| match event {
            RunnerEvent::Stream(ResponsesEvent::Completed { usage }) => *usage,
            _ => None,
        });
        if let Some(last) = held_usage {
            self.count_usage(last, &active.turn.id);
        }
        active.new_history.append(&mut active.tool_outputs);
        active.held_events.clear();
        active.follow_up = false;
    }
}

fn failure_output(text: &str) -> (Vec<DynamicToolCallOutputContentItem>, bool, Value) {
    (vec![DynamicToolCallOutputContentItem::InputText { text: text.to_owned() }], false, json!(text))
}
