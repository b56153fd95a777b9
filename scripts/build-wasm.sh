#!/usr/bin/env bash
# Builds the wasm engine for browsers into wasm/pkg-web/: release build, wasm-bindgen web glue, wasm-opt -Oz.
# Usage: scripts/build-wasm.sh   (from any directory)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*"; }
size() { stat -c %s "$1"; }
started=$SECONDS

raw=target/wasm32-unknown-unknown/wasm-release/spindle_wasm.wasm
# wasm-bindgen writes here first; wasm/pkg-web/ only ever holds the optimised result.
staging=target/spindle-wasm-web
out=wasm/pkg-web
name=spindle_wasm_bg.wasm
stamp=$out/.unoptimized.sha256
# npm's binaryen only: Debian's wasm-opt corrupts wasm-bindgen 0.2.130 output (TOOLCHAIN.md pitfall 4).
wasm_opt=node_modules/.bin/wasm-opt

[ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen 0.2.130" ] || {
  echo "wasm-bindgen 0.2.130 is required: cargo install wasm-bindgen-cli --version 0.2.130" >&2
  exit 1
}
[ -x "$wasm_opt" ] || { echo "missing $wasm_opt: run npm install at the repo root" >&2; exit 1; }

# wasm-release: release, optimised for size (Cargo.toml).
step "cargo build -p spindle-wasm --target wasm32-unknown-unknown --profile wasm-release"
cargo build -p spindle-wasm --target wasm32-unknown-unknown --profile wasm-release

step "wasm-bindgen --target web --out-dir $staging"
rm -rf "$staging"
wasm-bindgen "$raw" --target web --out-dir "$staging"

# npm's wasm-opt is itself wasm and needs ~20 s on this module: skip it when its input is unchanged.
hash=$(sha256sum "$staging/$name" | cut -d' ' -f1)
if [ -f "$out/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
  step "wasm-opt skipped: the wasm-bindgen output is unchanged since $out/$name was optimised"
  cp "$staging"/*.js "$staging"/*.d.ts "$out"/
else
  step "wasm-opt -Oz -> $out/$name"
  rm -rf "$out"
  mkdir -p "$out"
  "$wasm_opt" -Oz "$staging/$name" -o "$out/$name"
  cp "$staging"/*.js "$staging"/*.d.ts "$out"/
  echo "$hash" >"$stamp"
fi

step "sizes"
printf '  %-20s %8d bytes\n' \
  "cargo output" "$(size "$raw")" \
  "after wasm-bindgen" "$(size "$staging/$name")" \
  "after wasm-opt -Oz" "$(size "$out/$name")" \
  "gzip -9 of that" "$(gzip -9 -c "$out/$name" | wc -c)"
step "done in $((SECONDS - started)) s: $out/"
