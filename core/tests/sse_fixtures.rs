//! Property tests of the SSE decoder and the event mapper over recorded streams: the bodies the mock
//! Responses server serves in the transcript replays (tests/fixtures/sse/, written by
//! scripts/record-sse-fixtures.ts). However a stream is chunked, whatever its line endings, with
//! comment lines added, `event:` lines dropped or `data:` spread over several lines, it must decode
//! to the same events as the recorded bytes fed whole.

// Native only: proptest is a native dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use spindle_core::model::events::{self, ResponsesEvent};
use spindle_core::model::sse::{SseDecoder, SseEvent};

/// One recorded stream: its file name and bytes.
struct Fixture {
    name: String,
    bytes: Vec<u8>,
}

fn fixtures() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sse");
        let mut fixtures: Vec<Fixture> = std::fs::read_dir(&dir)
            .expect("tests/fixtures/sse")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "sse"))
            .map(|path| Fixture {
                name: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
                bytes: std::fs::read(&path).expect("a readable fixture"),
            })
            .collect();
        fixtures.sort_by(|a, b| a.name.cmp(&b.name));
        fixtures
    })
}

fn decode_whole(bytes: &[u8]) -> Vec<SseEvent> {
    SseDecoder::new().push(bytes)
}

fn parsed(events: &[SseEvent]) -> Vec<Result<ResponsesEvent, String>> {
    events.iter().map(events::decode).collect()
}

/// The lines of a recorded stream (they end in `\n`; the last one is empty).
fn lines(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).expect("fixtures are UTF-8");
    text.strip_suffix('\n').unwrap_or(text).split('\n').map(str::to_owned).collect()
}

#[test]
fn every_fixture_decodes_to_one_typed_event_per_frame() {
    assert!(fixtures().len() >= 20, "the recorded streams are missing: run scripts/record-sse-fixtures.ts");
    for fixture in fixtures() {
        let events = decode_whole(&fixture.bytes);
        let frames = lines(&fixture.bytes).iter().filter(|line| line.starts_with("event: ")).count();
        assert_eq!(events.len(), frames, "{}", fixture.name);
        for event in &events {
            let data: Value = serde_json::from_str(&event.data).expect("data is JSON");
            assert_eq!(event.event.as_deref(), data["type"].as_str(), "{}", fixture.name);
            assert!(events::decode(event).is_ok(), "{}: {event:?}", fixture.name);
        }
    }
}

#[test]
fn the_recorded_streams_carry_what_the_turns_act_on() {
    let all: Vec<ResponsesEvent> = fixtures()
        .iter()
        .flat_map(|fixture| parsed(&decode_whole(&fixture.bytes)))
        .map(|event| event.expect("every recorded event parses"))
        .collect();
    let has = |wanted: fn(&ResponsesEvent) -> bool| all.iter().any(wanted);
    assert!(has(|e| matches!(e, ResponsesEvent::OutputTextDelta { .. })));
    assert!(has(|e| matches!(e, ResponsesEvent::ReasoningSummaryTextDelta { .. })));
    assert!(has(|e| matches!(e, ResponsesEvent::ReasoningSummaryPartAdded { .. })));
    assert!(has(|e| matches!(e, ResponsesEvent::OutputItemDone { item } if item["type"] == "function_call")));
    assert!(has(|e| matches!(e, ResponsesEvent::Completed { usage: Some(usage) } if usage.cached_input_tokens > 0)));
    assert!(has(|e| matches!(e, ResponsesEvent::Failed { .. })));
}

/// How one line of a recorded stream is rewritten.
#[derive(Debug, Clone, Copy)]
struct LineEdit {
    /// 0: `\n`, 1: `\r\n`, 2: `\r` (where the next line is not empty, else `\r\n`).
    ending: u8,
    /// A comment line goes before this line: none, or one of three kinds.
    comment: Option<u8>,
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    (0..3u8, proptest::option::of(0..3u8)).prop_map(|(ending, comment)| LineEdit { ending, comment })
}

/// A recorded stream rewritten with `edits` (cycled over its lines); the events of frames whose
/// `drop_event` entry (cycled) is set lose their `event:` line, and those whose `multi_line` entry
/// is set spread their `data:` over several lines. Returns the bytes and the events they must decode to.
fn rewrite(bytes: &[u8], edits: &[LineEdit], drop_event: &[bool], multi_line: &[bool]) -> (Vec<u8>, Vec<SseEvent>) {
    let mut expected = decode_whole(bytes);
    let mut out: Vec<String> = Vec::new();
    let mut frame = 0;
    for line in lines(bytes) {
        let dropped = drop_event[frame % drop_event.len()];
        if let Some(data) = line.strip_prefix("data: ") {
            if multi_line[frame % multi_line.len()] {
                let value: Value = serde_json::from_str(data).expect("data is JSON");
                let pretty = serde_json::to_string_pretty(&value).expect("JSON prints");
                out.extend(pretty.split('\n').map(|part| format!("data: {part}")));
                expected[frame].data = pretty;
            } else {
                out.push(line);
            }
        } else if line.starts_with("event: ") {
            if dropped {
                expected[frame].event = None;
            } else {
                out.push(line);
            }
        } else {
            out.push(line);
            frame += 1;
        }
    }
    let mut text = String::new();
    for (n, line) in out.iter().enumerate() {
        let edit = edits[n % edits.len()];
        match edit.comment {
            Some(0) => text.push_str(":\n"),
            Some(1) => text.push_str(": keep-alive\r\n"),
            Some(_) => text.push_str(":data: not a field\n"),
            None => {}
        }
        text.push_str(line);
        // A lone `\r` before an empty line would read as one `\r\n` line end, as the SSE spec says.
        let next_is_empty = out.get(n + 1).is_none_or(|next| next.is_empty());
        text.push_str(match edit.ending {
            0 => "\n",
            2 if !next_is_empty => "\r",
            _ => "\r\n",
        });
    }
    (text.into_bytes(), expected)
}

/// `bytes` cut before each of `cuts` (positions taken modulo the length, in order).
fn chunked(bytes: &[u8], cuts: &[Index]) -> Vec<Vec<u8>> {
    let mut positions: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
    positions.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for position in positions {
        chunks.push(bytes[start..position].to_vec());
        start = position;
    }
    chunks.push(bytes[start..].to_vec());
    chunks
}

fn feed(chunks: &[Vec<u8>]) -> Vec<SseEvent> {
    let mut decoder = SseDecoder::new();
    chunks.iter().flat_map(|chunk| decoder.push(chunk)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_chunking_of_a_recorded_stream_decodes_to_the_same_events(
        fixture in any::<Index>(),
        cuts in proptest::collection::vec(any::<Index>(), 0..40),
    ) {
        let fixture = fixture.get(fixtures());
        let whole = decode_whole(&fixture.bytes);
        prop_assert_eq!(feed(&chunked(&fixture.bytes, &cuts)), whole, "{}", fixture.name);
    }

    #[test]
    fn line_endings_comments_dropped_event_lines_and_multi_line_data_change_nothing_parsed(
        fixture in any::<Index>(),
        edits in proptest::collection::vec(line_edit(), 1..16),
        drop_event in proptest::collection::vec(any::<bool>(), 1..8),
        multi_line in proptest::collection::vec(proptest::bool::weighted(0.25), 1..8),
        cuts in proptest::collection::vec(any::<Index>(), 0..40),
    ) {
        let fixture = fixture.get(fixtures());
        let (bytes, expected) = rewrite(&fixture.bytes, &edits, &drop_event, &multi_line);
        let events = feed(&chunked(&bytes, &cuts));
        prop_assert_eq!(&events, &expected, "{}", fixture.name);
        // The mapper keys on `data.type`, so what a turn acts on is what the recorded stream says.
        prop_assert_eq!(parsed(&events), parsed(&decode_whole(&fixture.bytes)), "{}", fixture.name);
    }
}

#[test]
fn data_lines_join_with_line_feeds_and_a_comment_between_them_is_skipped() {
    let stream = b"event: x\r\ndata: {\"type\":\r\n: between\ndata:  \"response.output_text.delta\",\rdata: \"item_id\":\"m\",\"delta\":\"d\"}\n\n";
    let events = feed(&[stream.to_vec()]);
    assert_eq!(
        events,
        vec![SseEvent {
            event: Some("x".into()),
            data: "{\"type\":\n \"response.output_text.delta\",\n\"item_id\":\"m\",\"delta\":\"d\"}".into(),
        }]
    );
    assert_eq!(
        events::decode(&events[0]),
        Ok(ResponsesEvent::OutputTextDelta { item_id: "m".into(), delta: "d".into() })
    );
}
