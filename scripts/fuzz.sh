#!/usr/bin/env bash
# `npm run fuzz`: runs each cargo-fuzz target in core/fuzz for FUZZ_SECONDS (default 60), one after the
# other, and prints how many inputs each executed. Not part of `npm test`: `cargo test` replays the
# committed inputs in core/fuzz/regressions/ instead.
# Usage: [FUZZ_SECONDS=600] npm run fuzz [-- <target>...]
set -euo pipefail
cd "$(dirname "$0")/../core"
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sse_events jsonrpc_lines ids)
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo-fuzz and the nightly toolchain"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo +nightly --version

# `-s none`: no AddressSanitizer. The core is safe Rust, so what a run hunts is panics and broken
# invariants, and ASan cut the engine targets' exec/s tenfold on these machines.
fuzz=(cargo +nightly fuzz)
flags=(-O -s none)

step "build"
"${fuzz[@]}" build "${flags[@]}"

summary=()
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus" "fuzz/regressions/$target"
  if [ "$target" = sse_events ] && [ -z "$(ls -A "$corpus")" ]; then
    # The recorded streams, whole (a leading 0: no chunk lengths), start the corpus.
    for fixture in tests/fixtures/sse/*.sse; do
      { printf '\0'; cat "$fixture"; } > "$corpus/$(basename "$fixture")"
    done
  fi
  # -len_control=0: inputs may use the whole -max_len (4096) at once; a jsonrpc_lines session needs
  # hundreds of bytes, and the default slow growth kept it under 60 bytes for minutes.
  step "fuzz $target for ${seconds}s"
  log=$(mktemp)
  set +e
  "${fuzz[@]}" run "${flags[@]}" "$target" "$corpus" "fuzz/regressions/$target" -- \
    -max_total_time="$seconds" -len_control=0 -print_final_stats=1 2>&1 | tee "$log" | grep -E '^(#[0-9]+[[:space:]]+(pulse|DONE)|Done|==)|panicked'
  status=${PIPESTATUS[0]}
  set -e
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  if [ "$status" -ne 0 ]; then
    summary+=("$target: FAILED after $runs runs (crash input in fuzz/artifacts/$target/)")
  else
    summary+=("$target: $runs runs in ${seconds}s, no crash")
  fi
  rm -f "$log"
done

step "summary"
printf '%s\n' "${summary[@]}"
for line in "${summary[@]}"; do [[ $line != *FAILED* ]] || exit 1; done
