#!/usr/bin/env bash
# `npm start`: sets the project up, then runs the terminal demo (offline unless OPENAI_API_KEY is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
printf '\n\033[1m==> Demo\033[0m\n'
exec node ts/dist/cli/main.js demo "$@"
