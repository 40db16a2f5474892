#!/usr/bin/env node
'use strict';
// The `lb` command. Sets the exit code rather than exiting, so piped output is flushed first;
// `lb server` keeps the process alive until a signal.
const { main } = require('../dist/cli/main.js');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error: ${(err && err.message) || String(err)}\n`);
    process.exitCode = 1;
  },
);
