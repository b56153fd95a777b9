#!/usr/bin/env bash
# Installs what the project needs and builds it; safe to run again (each step checks first).
# Usage: scripts/setup.sh [--browser]   (--browser adds Chromium for the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

browser=false
[ "${1:-}" = "--browser" ] && browser=true
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$SECONDS

step "Toolchain check"
for tool in cargo rustup node npm; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (install Rust via rustup and Node.js 20+)" >&2; exit 1; }
done
echo "$(cargo --version); node $(node --version); npm $(npm --version 2>/dev/null)"

step "wasm32 target"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
step "wasm-bindgen-cli 0.2.130"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen 0.2.130" ]; then
  # Not --locked: the registry mirror lacks a crate version the CLI's lockfile pins (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version 0.2.130
else
  echo "present"
fi

if $browser; then
  step "Chromium"
  if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    else
      echo "chromium is missing; install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
      [ -n "${CHROMIUM_PATH:-}" ] || exit 1
    fi
  fi
  command -v chromium >/dev/null && chromium --version 2>/dev/null | head -n 1
fi

step "npm dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Not `npm ci`: the registry mirror lacks foreign-platform optional packages (TOOLCHAIN.md).
  npm install --no-audit --no-fund
else
  echo "up to date"
fi

step "Node addon (napi, release)"
(cd node-binding && npx napi build --platform --release)

# The TS package type-checks against the wasm glue, so the wasm module is built even for the demo.
step "wasm module"
bash scripts/build-wasm.sh

step "TypeScript package"
npm run build --silent -w ts
chmod +x ts/dist/cli/main.js

echo "setup done in $((SECONDS - started)) s"
