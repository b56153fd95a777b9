#!/usr/bin/env bash
# `npm run playground`: sets the project up (the wasm engine and the TS package's browser build),
# then serves the browser playground with Vite on 127.0.0.1 and prints its URL.
# Usage: npm run playground [-- <vite options, e.g. --port 5180>]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
printf '\n\033[1m==> Playground (Vite dev server; Ctrl+C stops it)\033[0m\n'
exec node_modules/.bin/vite --config playground/vite.config.ts "$@"
