#!/usr/bin/env node
// The CLI is compiled with the rest of the project; this shim lets npm link `fnstack`.
await import('../../dist/cli/main.js');
