//! cargo-fuzz target `sse_events`: see `spindle_core::fuzzing::sse_events`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spindle_core::fuzzing::sse_events(data));
