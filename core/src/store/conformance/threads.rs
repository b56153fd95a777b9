//! Thread store cases: records, append-only history with tail reads, and `thread/list` pages that
//! follow the reference rules of `store::thread_list`.

use futures::executor::block_on;
use serde_json::json;

use super::{Stores, id, name_of, stored_thread};
use crate::protocol::thread_list::{ThreadSortKey, ThreadSourceKind};
use crate::store::StoreError;
use crate::store::thread_list::{ThreadListAnchor, ThreadListQuery};
use crate::store::thread_store::{HistoryRecord, LoadedHistory, StoredThread, ThreadStore};

fn create(store: &dyn ThreadStore, stored: &StoredThread) {
    block_on(store.create(stored.clone())).expect("create");
}

fn load(store: &dyn ThreadStore, name: &str, tail: Option<u32>) -> Option<LoadedHistory> {
    block_on(store.load(id(name), tail)).expect("load")
}

fn items(text: &str) -> HistoryRecord {
    HistoryRecord::ModelItems { items: vec![json!({ "type": "message", "text": text })] }
}

/// A started turn's record, which stores keep verbatim like every other record.
fn started(text: &str) -> HistoryRecord {
    let turn = serde_json::from_value(json!({
        "id": "0190b3a2-0000-7000-8000-000000000001", "rootTurnId": "0190b3a2-0000-7000-8000-000000000001",
        "items": [{"type": "userMessage", "id": "u1", "clientId": null,
                   "content": [{"type": "text", "text": text, "text_elements": []}],
                   "startedAtMs": 1, "completedAtMs": 1}],
        "itemsView": "full", "status": "inProgress", "error": null, "startedAt": 1, "completedAt": null,
        "durationMs": null}))
    .expect("a turn");
    HistoryRecord::TurnStarted { turn, items: vec![json!({ "type": "message", "text": text })] }
}

fn list(store: &dyn ThreadStore, query: &ThreadListQuery) -> Vec<String> {
    let page = block_on(store.list(query.clone())).expect("list");
    page.iter().map(|stored| name_of(&stored.thread.id)).collect()
}

fn query(sort_key: ThreadSortKey, ascending: bool) -> ThreadListQuery {
    ThreadListQuery { limit: 100, sort_key, ascending, ..Default::default() }
}

/// What the reference rules list for `query` over `all`.
fn reference(all: &[StoredThread], query: &ThreadListQuery) -> Vec<String> {
    let mut matching: Vec<&StoredThread> =
        all.iter().filter(|stored| query.matches(stored) && query.after_anchor(stored)).collect();
    matching.sort_by(|a, b| query.order(a, b));
    matching.iter().take(query.limit as usize).map(|stored| name_of(&stored.thread.id)).collect()
}

pub(super) fn create_then_load(stores: &Stores) {
    let store = stores.threads.as_ref();
    let stored = stored_thread("t1", 10, "hello");
    create(store, &stored);
    let expected = LoadedHistory { stored: stored.clone(), records: Vec::new(), truncated: false };
    assert_eq!(load(store, "t1", None), Some(expected.clone()));
    assert_eq!(load(store, "t1", Some(0)), Some(expected));
}

pub(super) fn create_refuses_an_existing_id(stores: &Stores) {
    let store = stores.threads.as_ref();
    create(store, &stored_thread("t1", 10, "first"));
    let again = block_on(store.create(stored_thread("t1", 20, "second")));
    assert!(matches!(again, Err(StoreError::Adapter(_))), "{again:?}");
    let kept = load(store, "t1", Some(0)).expect("still there");
    assert_eq!(kept.stored.thread.preview, "first");
}

pub(super) fn unknown_ids(stores: &Stores) {
    let store = stores.threads.as_ref();
    assert_eq!(load(store, "nope", None), None);
    let appended = block_on(store.append(id("nope"), vec![items("a")]));
    assert!(matches!(appended, Err(StoreError::Adapter(_))), "{appended:?}");
    let updated = block_on(store.update(stored_thread("nope", 1, "x")));
    assert!(matches!(updated, Err(StoreError::Adapter(_))), "{updated:?}");
    assert!(!block_on(store.delete(id("nope"))).expect("delete"));
    assert_eq!(load(store, "nope", None), None, "a refused update must not create the thread");
}

pub(super) fn append_and_tail(stores: &Stores) {
    let store = stores.threads.as_ref();
    create(store, &stored_thread("t1", 10, "hello"));
    create(store, &stored_thread("t2", 10, "other"));
    block_on(store.append(id("t1"), vec![items("a"), started("b")])).expect("append");
    block_on(store.append(id("t2"), vec![items("x")])).expect("append");
    let compacted = HistoryRecord::Compacted { items: vec![json!("summary")] };
    block_on(store.append(id("t1"), vec![compacted.clone()])).expect("append");

    let all = vec![items("a"), started("b"), compacted.clone()];
    let read = |tail| {
        let loaded = load(store, "t1", tail).expect("loaded");
        (loaded.records, loaded.truncated)
    };
    assert_eq!(read(None), (all.clone(), false));
    assert_eq!(read(Some(3)), (all.clone(), false));
    assert_eq!(read(Some(50)), (all, false));
    assert_eq!(read(Some(2)), (vec![started("b"), compacted.clone()], true));
    assert_eq!(read(Some(1)), (vec![compacted], true));
    assert_eq!(read(Some(0)), (Vec::new(), true));
    assert_eq!(load(store, "t2", None).expect("loaded").records, vec![items("x")]);
}

pub(super) fn update_replaces_the_record(stores: &Stores) {
    let store = stores.threads.as_ref();
    create(store, &stored_thread("t1", 10, ""));
    block_on(store.append(id("t1"), vec![items("a")])).expect("append");
    assert_eq!(list(store, &query(ThreadSortKey::CreatedAt, false)), Vec::<String>::new());

    let mut updated = stored_thread("t1", 10, "now listable");
    updated.thread.name = Some("Named".into());
    updated.thread.updated_at = 99;
    updated.settings.developer_instructions = Some("be brief".into());
    block_on(store.update(updated.clone())).expect("update");
    let loaded = load(store, "t1", None).expect("loaded");
    assert_eq!(loaded.stored, updated);
    assert_eq!(loaded.records, vec![items("a")], "an update keeps the history");
    assert_eq!(list(store, &query(ThreadSortKey::UpdatedAt, false)), ["t1"]);

    updated.archived = true;
    block_on(store.update(updated)).expect("archive");
    assert_eq!(list(store, &query(ThreadSortKey::UpdatedAt, false)), Vec::<String>::new());
    let archived = ThreadListQuery { archived: true, ..query(ThreadSortKey::UpdatedAt, false) };
    assert_eq!(list(store, &archived), ["t1"]);
}

pub(super) fn delete_removes_history(stores: &Stores) {
    let store = stores.threads.as_ref();
    create(store, &stored_thread("t1", 10, "hello"));
    create(store, &stored_thread("t2", 11, "kept"));
    block_on(store.append(id("t1"), vec![items("a")])).expect("append");
    block_on(store.append(id("t2"), vec![items("b")])).expect("append");
    assert!(block_on(store.delete(id("t1"))).expect("delete"));
    assert_eq!(load(store, "t1", None), None);
    assert!(!block_on(store.delete(id("t1"))).expect("second delete"));
    assert_eq!(list(store, &query(ThreadSortKey::CreatedAt, false)), ["t2"]);
    assert_eq!(load(store, "t2", None).expect("kept").records, vec![items("b")]);
    // The id is free again, with no history left over.
    create(store, &stored_thread("t1", 12, "again"));
    assert_eq!(load(store, "t1", None).expect("recreated").records, Vec::new());
}

pub(super) fn list_skips_threads_without_preview(stores: &Stores) {
    let store = stores.threads.as_ref();
    create(store, &stored_thread("t1", 10, "hello"));
    create(store, &stored_thread("t2", 11, ""));
    assert_eq!(list(store, &query(ThreadSortKey::CreatedAt, false)), ["t1"]);
}

pub(super) fn list_archived_filter(stores: &Stores) {
    let store = stores.threads.as_ref();
    for (name, at, archived) in [("t1", 1, false), ("t2", 2, true), ("t3", 3, false)] {
        let mut stored = stored_thread(name, at, "hi");
        stored.archived = archived;
        create(store, &stored);
    }
    assert_eq!(list(store, &query(ThreadSortKey::CreatedAt, false)), ["t3", "t1"]);
    let archived = ThreadListQuery { archived: true, ..query(ThreadSortKey::CreatedAt, false) };
    assert_eq!(list(store, &archived), ["t2"]);
}

pub(super) fn list_sort_order(stores: &Stores) {
    let store = stores.threads.as_ref();
    // (name, createdAt, updatedAt, recencyAt): t2 and t3 tie on createdAt; t1 has no recencyAt.
    for (name, created, updated, recency) in
        [("t1", 10, 40, None), ("t2", 20, 10, Some(50)), ("t3", 20, 30, Some(5)), ("t4", 30, 20, Some(20))]
    {
        let mut stored = stored_thread(name, created, "hi");
        stored.thread.updated_at = updated;
        stored.thread.recency_at = recency;
        create(store, &stored);
    }
    let order = |key, ascending| list(store, &query(key, ascending));
    assert_eq!(order(ThreadSortKey::CreatedAt, false), ["t4", "t3", "t2", "t1"]);
    assert_eq!(order(ThreadSortKey::CreatedAt, true), ["t1", "t2", "t3", "t4"]);
    assert_eq!(order(ThreadSortKey::UpdatedAt, false), ["t1", "t3", "t4", "t2"]);
    assert_eq!(order(ThreadSortKey::UpdatedAt, true), ["t2", "t4", "t3", "t1"]);
    // recencyAt, else updatedAt: t2 50, t1 40, t4 20, t3 5.
    assert_eq!(order(ThreadSortKey::RecencyAt, false), ["t2", "t1", "t4", "t3"]);
    assert_eq!(order(ThreadSortKey::RecencyAt, true), ["t3", "t4", "t1", "t2"]);
    let limited = ThreadListQuery { limit: 2, ..query(ThreadSortKey::CreatedAt, false) };
    assert_eq!(list(store, &limited), ["t4", "t3"]);
}

pub(super) fn list_filters(stores: &Stores) {
    let store = stores.threads.as_ref();
    let threads = [
        ("t1", "/a", "openai", json!("vscode"), "Fix the ÄRGER bug", None),
        ("t2", "/b", "openai", json!("cli"), "write docs", Some("Docs")),
        ("t3", "/a", "local", json!({"subAgent": "review"}), "review it", Some("Ärger review")),
        ("t4", "/c", "local", json!({"subAgent": {"thread_spawn": {"depth": 1}}}), "spawned", None),
        ("t5", "/a", "openai", json!({"custom": "x"}), "custom source", None),
    ];
    for (i, (name, cwd, provider, source, preview, title)) in threads.into_iter().enumerate() {
        let mut stored = stored_thread(name, 10 + i as i64, preview);
        stored.thread.cwd = cwd.into();
        stored.thread.model_provider = provider.into();
        stored.thread.source = source;
        stored.thread.name = title.map(str::to_owned);
        create(store, &stored);
    }
    let base = query(ThreadSortKey::CreatedAt, true);
    let filtered = |query: ThreadListQuery| list(store, &query);
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    assert_eq!(filtered(ThreadListQuery { cwds: strings(&["/a", "/c"]), ..base.clone() }), ["t1", "t3", "t4", "t5"]);
    assert_eq!(filtered(ThreadListQuery { model_providers: strings(&["local"]), ..base.clone() }), ["t3", "t4"]);
    let kinds = vec![ThreadSourceKind::Cli, ThreadSourceKind::SubAgentThreadSpawn, ThreadSourceKind::Unknown];
    assert_eq!(filtered(ThreadListQuery { source_kinds: kinds, ..base.clone() }), ["t2", "t4", "t5"]);
    // Search looks at the preview and the name, ignoring case beyond ASCII.
    let search = |term: &str| ThreadListQuery { search_term: Some(term.into()), ..base.clone() };
    assert_eq!(filtered(search("ärger")), ["t1", "t3"]);
    assert_eq!(filtered(search("DOCS")), ["t2"]);
    assert_eq!(filtered(search("%")), Vec::<String>::new(), "no wildcard syntax");
    assert_eq!(filtered(search("")), ["t1", "t2", "t3", "t4", "t5"]);
    let combined = ThreadListQuery {
        cwds: strings(&["/a"]),
        model_providers: strings(&["openai"]),
        search_term: Some("e".into()),
        ..base
    };
    assert_eq!(filtered(combined), ["t1", "t5"]);
}

pub(super) fn list_anchors(stores: &Stores) {
    let store = stores.threads.as_ref();
    for (name, at) in [("t1", 5), ("t2", 5), ("t3", 6), ("t4", 4)] {
        create(store, &stored_thread(name, at, "hi"));
    }
    let after = |sort_value, thread: Option<&str>, ascending| {
        let anchor = ThreadListAnchor { sort_value, thread_id: thread.map(id) };
        list(store, &ThreadListQuery { anchor: Some(anchor), ..query(ThreadSortKey::CreatedAt, ascending) })
    };
    assert_eq!(after(5, Some("t1"), true), ["t2", "t3"]);
    assert_eq!(after(5, Some("t2"), false), ["t1", "t4"]);
    // Without an id the anchor's own second is listed again.
    assert_eq!(after(5, None, true), ["t1", "t2", "t3"]);
    assert_eq!(after(5, None, false), ["t2", "t1", "t4"]);
    assert_eq!(after(7, None, false), ["t3", "t2", "t1", "t4"]);
    assert_eq!(after(7, None, true), Vec::<String>::new());
}

pub(super) fn list_pagination_stable_under_inserts(stores: &Stores) {
    let store = stores.threads.as_ref();
    let names: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        // Pairs share a second, so the anchor's id must break the tie.
        create(store, &stored_thread(name, 100 + (i as i64) / 2, "hi"));
    }
    let mut seen = Vec::new();
    let mut page_query = ThreadListQuery { limit: 3, ..query(ThreadSortKey::CreatedAt, false) };
    for page in 0.. {
        let threads = block_on(store.list(page_query.clone())).expect("list");
        let Some(last) = threads.last() else { break };
        seen.extend(threads.iter().map(|stored| name_of(&stored.thread.id)));
        page_query.anchor =
            Some(ThreadListAnchor { sort_value: last.thread.created_at, thread_id: Some(last.thread.id.clone()) });
        // Newer threads arrive between pages; they sort before the anchor, so no page shifts.
        create(store, &stored_thread(&format!("n{page}"), 1_000 + page, "new"));
        assert!(page < 10, "pagination does not end");
    }
    let mut expected = names;
    expected.reverse();
    assert_eq!(seen, expected);
}

pub(super) fn list_matches_reference_rules(stores: &Stores) {
    let store = stores.threads.as_ref();
    // A small LCG keeps the data varied and the case reproducible.
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let sources = [json!("vscode"), json!("cli"), json!("exec"), json!({"subAgent": "compact"}), json!(7)];
    let previews = ["", "Alpha task", "beta", "GAMMA ray", "ünïcode"];
    let mut all = Vec::new();
    for i in 0..60 {
        let mut stored = stored_thread(&format!("r{i}"), next(8) as i64, previews[next(5) as usize]);
        stored.thread.updated_at = next(8) as i64;
        stored.thread.recency_at = (next(2) == 0).then(|| next(8) as i64);
        stored.archived = next(4) == 0;
        stored.thread.cwd = format!("/w{}", next(3));
        stored.thread.model_provider = format!("p{}", next(2));
        stored.thread.source = sources[next(5) as usize].clone();
        stored.thread.name = (next(3) == 0).then(|| "named ALPHA".to_owned());
        create(store, &stored);
        all.push(stored);
    }
    let mut checked = 0;
    for sort_key in [ThreadSortKey::CreatedAt, ThreadSortKey::UpdatedAt, ThreadSortKey::RecencyAt] {
        for ascending in [false, true] {
            for archived in [false, true] {
                for filter in 0..5 {
                    let mut base = ThreadListQuery { limit: 7, archived, sort_key, ascending, ..Default::default() };
                    match filter {
                        1 => base.cwds = vec!["/w0".into(), "/w2".into()],
                        2 => base.model_providers = vec!["p1".into()],
                        3 => base.source_kinds = vec![ThreadSourceKind::Cli, ThreadSourceKind::Unknown],
                        4 => base.search_term = Some("alpha".into()),
                        _ => {}
                    }
                    let anchors = [
                        None,
                        Some(ThreadListAnchor { sort_value: 3, thread_id: None }),
                        Some(ThreadListAnchor { sort_value: 4, thread_id: Some(id("r17")) }),
                    ];
                    for anchor in anchors {
                        let query = ThreadListQuery { anchor, ..base.clone() };
                        assert_eq!(list(store, &query), reference(&all, &query), "{query:?}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 180);
}
