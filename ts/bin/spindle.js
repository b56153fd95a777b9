#!/usr/bin/env node
// The package bin: lives in the source tree so `npm install` links it before the first build.
import '../dist/cli/main.js';
