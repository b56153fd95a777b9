//! cargo-fuzz target `ids`: see `spindle_core::fuzzing::ids`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spindle_core::fuzzing::ids(data));
