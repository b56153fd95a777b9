#!/usr/bin/env bash
# `npm run bench`: sets the project up (like `npm start`), then runs the benchmark driver.
# Setup's output goes to stderr, so stdout carries only the report.
# Usage: npm run bench -- [--quick] [--targets stdio,napi,wasm,codex,floor] [--only startup,turns,…]
#        CODEX_BIN=/path/to/codex npm run bench   adds the codex app-server column
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
printf '\n\033[1m==> Benchmarks\033[0m\n' >&2
exec node --import tsx bench/main.ts "$@"
