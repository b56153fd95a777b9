#!/usr/bin/env bash
# `npm test`: sets the project up, then runs every check: Rust lint and tests, the generated-types
# freshness check, the Node tests (napi addon, stdio CLI) and the Chromium tests (wasm).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$SECONDS

bash scripts/setup.sh --browser

step "cargo fmt"
cargo fmt --all --check
step "cargo clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings
step "cargo clippy (wasm32)"
cargo clippy -p spindle-core -p spindle-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings

step "core and SQLite store tests (cargo test)"
cargo test -p spindle-core -p spindle-sqlite --lib --tests

step "generated TypeScript is fresh"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
# The [env] default in .cargo/config.toml yields to the environment, so this exports elsewhere.
TS_RS_EXPORT_DIR="$fresh" cargo test -q -p spindle-core --lib export_bindings >/dev/null
if ! diff -r "$fresh" ts/src/generated; then
  echo "ts/src/generated differs from a fresh ts-rs export: run 'npm run generate' and commit" >&2
  exit 1
fi
echo "ts/src/generated matches a fresh export"

step "type-check tests, benchmarks, examples and the playground"
npx tsc -p tests/tsconfig.json
npx tsc -p bench/tsconfig.json
npx tsc -p examples/tsconfig.json
npx tsc -p playground/tsconfig.json

step "Node tests (napi addon, stdio CLI, SDK, schema, transcript, README, example)"
node --import tsx --test tests/node/*.test.ts

step "type-check tests, benchmarks, examples and the playground"
npx tsc -p tests/tsconfig.json
npx tsc -p bench/tsconfig.json
npx tsc -p examples/tsconfig.json
npx tsc -p playground/tsconfig.json
node --import tsx --test tests/browser/*.test.ts

echo "all checks passed in $((SECONDS - started)) s"
