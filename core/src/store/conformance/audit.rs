//! Audits of what a store holds now: the invariants the conformance cases establish on fresh
//! stores, checked on a store after arbitrary traffic (a fault-injection run, a crash). Each
//! returns what it read, or every violation it found as one message.

use std::collections::{BTreeMap, BTreeSet};

use crate::protocol::turn::TurnStatus;
use crate::store::queue_store::{QueueStore, QueuedTurnRow, QueuedTurnState};
use crate::store::thread_list::{ThreadListAnchor, ThreadListQuery};
use crate::store::thread_store::{LoadedHistory, StoredThread, ThreadStore};

/// Violations found so far; `Err` with all of them at the end.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    fn into_result<T>(self, value: T) -> Result<T, String> {
        if self.0.is_empty() { Ok(value) } else { Err(self.0.join("\n")) }
    }
}

/// Every thread `query` lists (its `limit` and `anchor` are ignored), read in one page, checked:
/// the order is the query's, no thread comes twice, each matches the query and loads as listed,
/// and paging with each of `page_sizes` (anchored at the last thread of each page) yields
/// exactly the same threads.
pub async fn audit_thread_list(
    store: &dyn ThreadStore,
    query: ThreadListQuery,
    page_sizes: &[u32],
) -> Result<Vec<StoredThread>, String> {
    let mut findings = Findings::default();
    let whole = ThreadListQuery { anchor: None, limit: u32::MAX, ..query.clone() };
    let all = store.list(whole.clone()).await.map_err(|error| format!("list failed: {error}"))?;
    let ids: Vec<&str> = all.iter().map(|stored| stored.thread.id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    findings.check(unique.len() == ids.len(), || format!("a thread is listed twice: {ids:?}"));
    for pair in all.windows(2) {
        findings.check(whole.order(&pair[0], &pair[1]).is_lt(), || {
            format!("{} is listed before {} against the sort order", pair[0].thread.id, pair[1].thread.id)
        });
    }
    for stored in &all {
        findings.check(whole.matches(stored), || format!("{} is listed but does not match", stored.thread.id));
        match store.load(stored.thread.id.clone(), Some(0)).await {
            Ok(Some(loaded)) => findings.check(loaded.stored == *stored, || {
                format!("{} loads differently from how it is listed", stored.thread.id)
            }),
            Ok(None) => findings.0.push(format!("{} is listed but does not load", stored.thread.id)),
            Err(error) => findings.0.push(format!("{} does not load: {error}", stored.thread.id)),
        }
    }
    for &size in page_sizes {
        let paged = page_through(store, &whole, size.max(1), all.len()).await?;
        let paged: Vec<&str> = paged.iter().map(|stored| stored.thread.id.as_str()).collect();
        findings.check(paged == ids, || format!("pages of {size} list {paged:?}, one page lists {ids:?}"));
    }
    findings.into_result(all)
}

/// Every page of `query` with `size` threads each, following anchors; gives up after more pages
/// than `expected` threads could fill.
async fn page_through(
    store: &dyn ThreadStore,
    query: &ThreadListQuery,
    size: u32,
    expected: usize,
) -> Result<Vec<StoredThread>, String> {
    let mut page_query = ThreadListQuery { limit: size, ..query.clone() };
    let mut seen = Vec::new();
    for _ in 0..=expected + 1 {
        let page = store.list(page_query.clone()).await.map_err(|error| format!("list failed: {error}"))?;
        let Some(last) = page.last() else { return Ok(seen) };
        page_query.anchor =
            Some(ThreadListAnchor { sort_value: query.sort_value(last), thread_id: Some(last.thread.id.clone()) });
        seen.extend(page);
    }
    Err(format!("pages of {size} never end"))
}

/// One thread's stored history, checked: its record carries its id and is not in progress, its
/// turns are finished and their ids unique, and each tail read is the end of the full read.
/// `None` when the thread is not stored.
pub async fn audit_thread(store: &dyn ThreadStore, thread_id: &str) -> Result<Option<LoadedHistory>, String> {
    let load = |tail| store.load(thread_id.to_owned(), tail);
    let Some(full) = load(None).await.map_err(|error| format!("{thread_id} does not load: {error}"))? else {
        return Ok(None);
    };
    let mut findings = Findings::default();
    findings.check(full.stored.thread.id == thread_id, || {
        format!("{thread_id} loads the record of {}", full.stored.thread.id)
    });
    findings.check(!full.truncated, || format!("{thread_id}: a full read says it was truncated"));
    let turns = full.turns();
    let mut turn_ids = BTreeSet::new();
    for turn in &turns {
        findings.check(turn_ids.insert(turn.id.as_str()), || format!("{thread_id}: turn {} is stored twice", turn.id));
        findings.check(turn.status != TurnStatus::InProgress, || {
            format!("{thread_id}: turn {} is stored in progress", turn.id)
        });
    }
    let count = full.records.len();
    for tail in [0, 1, 2, count.saturating_sub(1), count, count + 1] {
        let tail = u32::try_from(tail).unwrap_or(u32::MAX);
        match load(Some(tail)).await {
            Ok(Some(part)) => {
                let keep = (tail as usize).min(count);
                findings.check(part.records == full.records[count - keep..], || {
                    format!("{thread_id}: the last {tail} records differ from the end of the full read")
                });
                findings.check(part.truncated == (keep < count), || {
                    format!("{thread_id}: a tail of {tail} of {count} records has truncated {}", part.truncated)
                });
            }
            Ok(None) => findings.0.push(format!("{thread_id} vanished between reads")),
            Err(error) => findings.0.push(format!("{thread_id} does not load a tail of {tail}: {error}")),
        }
    }
    findings.into_result(Some(full))
}

/// One thread's visible queue, checked: rows of that thread only, pending or failed, in strictly
/// ascending `queueOrder`, each id once, no dispatch turn on a visible row and no failure on a
/// pending one; paging with each of `page_sizes` yields the same rows and `more` flags that
/// are true exactly when rows follow.
pub async fn audit_queue(
    store: &dyn QueueStore,
    thread_id: &str,
    page_sizes: &[u32],
) -> Result<Vec<QueuedTurnRow>, String> {
    let list = |offset, limit| store.list_visible(thread_id.to_owned(), offset, limit);
    let failed = |error| format!("{thread_id}: queue read failed: {error}");
    let (rows, more) = list(0, u32::MAX).await.map_err(failed)?;
    let mut findings = Findings::default();
    findings.check(!more, || format!("{thread_id}: one page of every row says more follow"));
    findings.check(rows.iter().all(|row| row.state != QueuedTurnState::Dispatching), || {
        format!("{thread_id}: a dispatching row is visible")
    });
    check_rows(&mut findings, &rows, thread_id);
    for pair in rows.windows(2) {
        findings.check(pair[0].queue_order < pair[1].queue_order, || {
            format!("{thread_id}: queue orders {} and {} are not ascending", pair[0].queue_order, pair[1].queue_order)
        });
    }
    for row in &rows {
        findings.check(row.dispatch_turn_id.is_none(), || {
            format!("{thread_id}: visible row {} names a dispatch turn", row.queued_turn_id)
        });
    }
    for &size in page_sizes {
        let size = size.max(1);
        let mut paged = Vec::new();
        loop {
            let offset = u32::try_from(paged.len()).unwrap_or(u32::MAX);
            let (page, more) = list(offset, size).await.map_err(failed)?;
            let empty = page.is_empty();
            paged.extend(page);
            findings.check(more == (paged.len() < rows.len()), || {
                format!("{thread_id}: after {} of {} rows in pages of {size}, more is {more}", paged.len(), rows.len())
            });
            if !more || empty || paged.len() > rows.len() {
                break;
            }
        }
        findings.check(paged == rows, || format!("{thread_id}: pages of {size} differ from one page"));
    }
    findings.into_result(rows)
}

/// Every row a store holds (dispatching ones included, which only a store's own view shows),
/// checked: ids unique, `queueOrder` unique within each thread, at most one dispatching row per
/// thread, no failure on a pending row.
pub fn audit_rows(rows: &[QueuedTurnRow]) -> Result<(), String> {
    let mut findings = Findings::default();
    let mut ids = BTreeSet::new();
    let mut by_thread: BTreeMap<&str, Vec<&QueuedTurnRow>> = BTreeMap::new();
    for row in rows {
        findings
            .check(ids.insert(row.queued_turn_id.as_str()), || format!("row {} is stored twice", row.queued_turn_id));
        by_thread.entry(row.thread_id.as_str()).or_default().push(row);
    }
    for (thread_id, rows) in by_thread {
        let orders: BTreeSet<i64> = rows.iter().map(|row| row.queue_order).collect();
        findings.check(orders.len() == rows.len(), || format!("{thread_id}: two rows share a queue order"));
        let dispatching = rows.iter().filter(|row| row.state == QueuedTurnState::Dispatching).count();
        findings.check(dispatching <= 1, || format!("{thread_id}: {dispatching} rows are dispatching"));
        let owned: Vec<QueuedTurnRow> = rows.into_iter().cloned().collect();
        check_rows(&mut findings, &owned, thread_id);
    }
    findings.into_result(())
}

/// Per-row rules any view of one thread's rows keeps: the thread's own, ids unique, pending
/// rows without a failure.
fn check_rows(findings: &mut Findings, rows: &[QueuedTurnRow], thread_id: &str) {
    let mut ids = BTreeSet::new();
    for row in rows {
        findings.check(row.thread_id == thread_id, || {
            format!("{thread_id}: row {} belongs to {}", row.queued_turn_id, row.thread_id)
        });
        findings.check(ids.insert(row.queued_turn_id.as_str()), || {
            format!("{thread_id}: row {} is listed twice", row.queued_turn_id)
        });
        findings.check(row.state != QueuedTurnState::Pending || row.failure.is_none(), || {
            format!("{thread_id}: pending row {} carries a failure", row.queued_turn_id)
        });
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use serde_json::json;

    use super::*;
    use crate::protocol::turn::Turn;
    use crate::store::conformance::{id, stored_thread};
    use crate::store::memory::MemoryThreadStore;
    use crate::store::memory_queue::MemoryQueueStore;
    use crate::store::thread_store::HistoryRecord;

    fn turn(name: &str) -> HistoryRecord {
        let turn: Turn = serde_json::from_value(json!({"id": id(name), "rootTurnId": null, "items": [],
            "itemsView": "full", "status": "completed", "error": null, "startedAt": 1, "completedAt": 2,
            "durationMs": 1000}))
        .expect("a turn");
        HistoryRecord::Turn { turn }
    }

    #[test]
    fn audits_pass_on_consistent_stores_and_name_what_is_wrong_otherwise() {
        let threads = MemoryThreadStore::new();
        for (i, name) in ["a", "b", "c", "d"].into_iter().enumerate() {
            block_on(threads.create(stored_thread(name, 10 + (i as i64) / 2, "hi"))).expect("create");
        }
        block_on(threads.append(id("a"), vec![turn("t1"), turn("t2")])).expect("append");
        let listed = block_on(audit_thread_list(&threads, ThreadListQuery::default(), &[1, 3])).expect("consistent");
        assert_eq!(listed.len(), 4);
        assert!(block_on(audit_thread(&threads, &id("a"))).expect("consistent").is_some());
        assert_eq!(block_on(audit_thread(&threads, &id("zz"))), Ok(None));
        block_on(threads.append(id("a"), vec![turn("t1")])).expect("append");
        let twice = block_on(audit_thread(&threads, &id("a"))).expect_err("a turn stored twice");
        assert!(twice.contains(&format!("turn {} is stored twice", id("t1"))), "{twice}");

        let queue = MemoryQueueStore::new();
        for name in ["q1", "q2", "q3"] {
            block_on(queue.append(id(name), id("a"), json!({}), 1)).expect("append");
        }
        block_on(queue.claim_head(id("a"), 2)).expect("claim");
        let visible = block_on(audit_queue(&queue, &id("a"), &[1, 2])).expect("consistent");
        assert_eq!(visible.len(), 2);
        assert_eq!(audit_rows(&queue.rows()), Ok(()));
        let mut rows = queue.rows();
        rows[1].queue_order = rows[0].queue_order;
        rows[2].state = QueuedTurnState::Dispatching;
        let broken = audit_rows(&rows).expect_err("shared order, two dispatching");
        assert!(
            broken.contains("two rows share a queue order") && broken.contains("2 rows are dispatching"),
            "{broken}"
        );
    }
}
