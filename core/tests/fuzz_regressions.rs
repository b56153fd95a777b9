//! Replays the committed fuzz inputs (fuzz/regressions/<target>/: crashes found and fixed, plus a
//! small seed corpus) through the same entry points the cargo-fuzz targets call, so plain
//! `cargo test` keeps every fixed crash fixed and exercises the harnesses.

// Native only: the harnesses run the engine on a native executor.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use spindle_core::fuzzing;

/// Runs every input committed for `target`; names the file of the first that fails.
fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    inputs.sort();
    for input in &inputs {
        let bytes = std::fs::read(input).expect("a readable input");
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{target} fails on {}", input.display());
    }
    inputs.len()
}

#[test]
fn every_target_has_committed_inputs() {
    for target in fuzzing::TARGETS {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
        let count = std::fs::read_dir(&dir).map(|entries| entries.count()).unwrap_or(0);
        assert!(count > 0, "no committed inputs in {}", dir.display());
    }
}

#[test]
fn sse_events_regressions_replay() {
    assert!(replay("sse_events", fuzzing::sse_events) > 0);
}

#[test]
fn jsonrpc_lines_regressions_replay() {
    assert!(replay("jsonrpc_lines", fuzzing::jsonrpc_lines) > 0);
}

#[test]
fn ids_regressions_replay() {
    assert!(replay("ids", fuzzing::ids) > 0);
}

/// The recorded streams are the sse_events target's natural seeds: each, whole and in two chunkings
/// (a leading byte `n` means `n` chunk lengths follow), drives a turn to its end.
#[test]
fn recorded_streams_run_through_the_sse_events_target() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sse");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/sse") {
        let body = std::fs::read(entry.expect("a directory entry").path()).expect("a readable fixture");
        for prefix in [&[0u8][..], &[1, 0], &[3, 6, 0, 250]] {
            fuzzing::sse_events(&[prefix, &body].concat());
        }
        count += 1;
    }
    assert!(count >= 20, "the recorded streams are missing");
}
