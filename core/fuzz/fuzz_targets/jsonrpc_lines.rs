//! cargo-fuzz target `jsonrpc_lines`: see `spindle_core::fuzzing::jsonrpc_lines`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spindle_core::fuzzing::jsonrpc_lines(data));
