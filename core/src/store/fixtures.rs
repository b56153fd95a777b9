//! Stored threads for the store modules' unit tests.

use serde_json::json;

use super::thread_store::StoredThread;

/// A non-archived thread `id` from `vscode` in `/w`, created and updated at `created_at`, named "Named".
pub fn stored_thread(id: &str, created_at: i64, preview: &str) -> StoredThread {
    let thread = json!({
        "id": id, "environments": null, "extra": null, "sessionId": id, "forkedFromId": null,
        "attachedToThreadId": null, "parentThreadId": null, "preview": preview, "ephemeral": false,
        "section": null, "sectionEnteredAt": null, "projectId": null, "historyMode": "paginated",
        "modelProvider": "p", "model": "m", "reasoningEffort": null, "createdAt": created_at,
        "updatedAt": created_at, "recencyAt": null, "status": {"type": "notLoaded"}, "path": null,
        "cwd": "/w", "cliVersion": "0", "originator": null, "source": "vscode", "canAcceptDirectInput": null,
        "threadSource": null, "agentNickname": null, "agentRole": null, "gitInfo": null, "name": "Named",
        "daybreakEnabled": null, "turns": []
    });
    serde_json::from_value(json!({"thread": thread, "settings": {}})).expect("a stored thread")
}
