//! How history records read back: the finished turns, the model history, and turns a stopped
//! process left running. One rule for thread/resume, thread/read, thread/turns/list and
//! thread/fork: a turn's `turn` record supersedes its `turnStarted` records; a started turn with
//! no `turn` record was cut off and reads as interrupted, its model history closed by the same
//! `<turn_aborted>` marker `turn/interrupt` leaves (PROTOCOL.md §7.4).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::thread_store::{HistoryRecord, LoadedHistory, StoredThread};
use crate::model::request;
use crate::protocol::turn::{Turn, TurnItemsView, TurnStatus};

impl LoadedHistory {
    /// The turns as [`Self::into_parts`] gives them, copied out of a history that stays whole
    /// (audits and tests; a handler that owns its history takes it apart instead).
    pub fn turns(&self) -> Vec<Turn> {
        settled(&self.records, None)
            .filter_map(|record| match record {
                Settled::Record(HistoryRecord::Turn { turn }) => Some(turn.clone()),
                Settled::CutOff { turn, .. } => Some(interrupted(turn)),
                Settled::Record(_) => None,
            })
            .collect()
    }

    /// The thread record, its turns (oldest first, with every item; a turn cut off by a stopped
    /// process is interrupted) and its model history (replayed verbatim on the next request),
    /// taken apart without copying the records.
    pub fn into_parts(self) -> (StoredThread, Vec<Turn>, Vec<Value>) {
        let kept = kept(&self.records, None);
        let (mut turns, mut history) = (Vec::new(), Vec::new());
        for (record, kept) in self.records.into_iter().zip(kept) {
            match record {
                _ if !kept => {}
                HistoryRecord::Turn { turn } => turns.push(turn),
                HistoryRecord::ModelItems { items } => history.extend(items),
                HistoryRecord::Compacted { items } => history = items,
                HistoryRecord::TurnStarted { turn, items } => {
                    history.extend(cut_off_history(&turn, &items));
                    turns.push(interrupted(&turn));
                }
            }
        }
        (self.stored, turns, history)
    }
}

/// The records with every started turn settled, as a copy (a fork) keeps them: superseded and
/// `running` turns' `turnStarted` records are dropped, and a cut-off turn becomes the `modelItems`
/// and `turn` records an interrupt would have written.
pub fn settle_records(records: &[HistoryRecord], running: Option<&str>) -> Vec<HistoryRecord> {
    let mut settled_records = Vec::with_capacity(records.len());
    for record in settled(records, running) {
        match record {
            Settled::Record(record) => settled_records.push(record.clone()),
            Settled::CutOff { turn, items } => {
                settled_records.push(HistoryRecord::ModelItems { items: cut_off_history(turn, items).collect() });
                settled_records.push(HistoryRecord::Turn { turn: interrupted(turn) });
            }
        }
    }
    settled_records
}

/// A record as it reads back.
enum Settled<'a> {
    /// A `turn`, `modelItems` or `compacted` record, as written.
    Record(&'a HistoryRecord),
    /// The latest `turnStarted` record of a turn that never ended.
    CutOff { turn: &'a Turn, items: &'a [Value] },
}

/// `records` in order, with each `turnStarted` record dropped unless it is the latest of a turn
/// that has no `turn` record and is not `running` (the live turn of a loaded thread).
fn settled<'a>(records: &'a [HistoryRecord], running: Option<&'a str>) -> impl Iterator<Item = Settled<'a>> {
    records.iter().zip(kept(records, running)).filter_map(|(record, kept)| {
        kept.then_some(match record {
            HistoryRecord::TurnStarted { turn, items } => Settled::CutOff { turn, items },
            record => Settled::Record(record),
        })
    })
}

/// Which of `records` read back: all but the `turnStarted` records [`settled`] drops.
fn kept(records: &[HistoryRecord], running: Option<&str>) -> Vec<bool> {
    let mut ended = HashSet::new();
    let mut latest = HashMap::new();
    for (position, record) in records.iter().enumerate() {
        match record {
            HistoryRecord::Turn { turn } => {
                ended.insert(turn.id.as_str());
            }
            HistoryRecord::TurnStarted { turn, .. } => {
                latest.insert(turn.id.as_str(), position);
            }
            HistoryRecord::ModelItems { .. } | HistoryRecord::Compacted { .. } => {}
        }
    }
    let kept = records.iter().enumerate().map(|(position, record)| match record {
        HistoryRecord::TurnStarted { turn, .. } => {
            let id = turn.id.as_str();
            !ended.contains(id) && running != Some(id) && latest.get(id) == Some(&position)
        }
        _ => true,
    });
    kept.collect()
}

/// A cut-off turn as clients see it. Like 0.169's stale turns after a restart: `interrupted`,
/// no error, and no `completedAt` or duration, since nobody saw it end.
fn interrupted(turn: &Turn) -> Turn {
    Turn {
        status: TurnStatus::Interrupted,
        error: None,
        completed_at: None,
        duration_ms: None,
        items_view: TurnItemsView::Full,
        ..turn.clone()
    }
}

/// A cut-off turn's model items, then the interruption marker. The marker's id comes from the
/// turn id, so every read of the thread replays the same history.
fn cut_off_history<'a>(turn: &Turn, items: &'a [Value]) -> impl Iterator<Item = Value> + 'a {
    items.iter().cloned().chain(std::iter::once(request::turn_aborted(&turn.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    fn turn(id: &str, status: TurnStatus, items: &[&str]) -> Turn {
        let items = items
            .iter()
            .map(|text| crate::protocol::item::ThreadItem {
                id: format!("item-{text}"),
                details: crate::protocol::item::ItemDetails::UserMessage {
                    client_id: None,
                    content: vec![crate::protocol::item::UserInput::Text {
                        text: (*text).to_owned(),
                        text_elements: Vec::new(),
                    }],
                },
                started_at_ms: Some(1_000),
                completed_at_ms: Some(1_000),
            })
            .collect();
        Turn {
            id: id.to_owned(),
            root_turn_id: Some(id.to_owned()),
            items,
            items_view: TurnItemsView::Full,
            status,
            error: None,
            started_at: Some(1),
            completed_at: (status != TurnStatus::InProgress).then_some(2),
            duration_ms: (status != TurnStatus::InProgress).then_some(1_000),
        }
    }

    fn started(id: &str, texts: &[&str]) -> HistoryRecord {
        HistoryRecord::TurnStarted {
            turn: turn(id, TurnStatus::InProgress, texts),
            items: texts.iter().map(|text| json!(text)).collect(),
        }
    }

    /// The turns and model history `records` read back as.
    fn read(records: &[HistoryRecord]) -> (Vec<Turn>, Vec<Value>) {
        let (_, turns, items) = loaded(records.to_vec()).into_parts();
        (turns, items)
    }

    fn loaded(records: Vec<HistoryRecord>) -> LoadedHistory {
        LoadedHistory { stored: crate::store::conformance::stored_thread("t", 1, ""), records, truncated: false }
    }

    #[test]
    fn a_compaction_record_replaces_the_model_history_before_it() {
        let records = vec![
            HistoryRecord::ModelItems { items: vec![json!("a"), json!("b")] },
            HistoryRecord::Compacted { items: vec![json!("summary")] },
            HistoryRecord::ModelItems { items: vec![json!("c")] },
        ];
        assert_eq!(read(&records).1, vec![json!("summary"), json!("c")]);
    }

    #[test]
    fn a_turn_record_supersedes_the_started_records_of_its_turn() {
        let (turns, items) = read(&[
            started("a", &["hi"]),
            started("a", &["hi", "steer"]),
            HistoryRecord::ModelItems { items: vec![json!("hi"), json!("steer"), json!("answer")] },
            HistoryRecord::Turn { turn: turn("a", TurnStatus::Completed, &["hi", "steer"]) },
        ]);
        assert_eq!(turns, vec![turn("a", TurnStatus::Completed, &["hi", "steer"])]);
        assert_eq!(items, vec![json!("hi"), json!("steer"), json!("answer")]);
    }

    #[test]
    fn a_started_turn_without_a_turn_record_reads_as_interrupted_with_its_latest_save() {
        let records = vec![
            started("a", &["hi"]),
            started("a", &["hi", "steer"]),
            started("b", &["next"]),
            HistoryRecord::ModelItems { items: vec![json!("next"), json!("answer")] },
            HistoryRecord::Turn { turn: turn("b", TurnStatus::Completed, &["next"]) },
        ];
        let mut cut_off = turn("a", TurnStatus::Interrupted, &["hi", "steer"]);
        (cut_off.completed_at, cut_off.duration_ms) = (None, None);
        let (turns, items) = read(&records);
        assert_eq!(loaded(records.clone()).turns(), turns, "copied out, the turns read the same");
        assert_eq!(turns, vec![cut_off.clone(), turn("b", TurnStatus::Completed, &["next"])]);
        let marker = request::turn_aborted("a");
        assert_eq!(items, vec![json!("hi"), json!("steer"), marker.clone(), json!("next"), json!("answer")]);
        // A copy holds the records an interrupt would have written, in the same places, and so
        // reads back the same.
        let settled = settle_records(&records, None);
        assert_eq!(
            settled,
            vec![
                HistoryRecord::ModelItems { items: vec![json!("hi"), json!("steer"), marker] },
                HistoryRecord::Turn { turn: cut_off },
                records[3].clone(),
                records[4].clone(),
            ]
        );
        assert_eq!(read(&settled), (turns, items), "a settled copy reads as the original");
    }

    #[test]
    fn the_running_turn_of_a_loaded_thread_is_left_out_of_a_copy() {
        let records = vec![started("a", &["hi"])];
        assert_eq!(settle_records(&records, Some("a")), Vec::new());
    }
}
