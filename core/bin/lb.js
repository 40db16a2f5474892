#!/usr/bin/env -S node --max-semi-space-size=1 --
'use strict';
// The `lb` command (the shebang's small young generation keeps an idle server's memory low). The `--`
// ends node's own options: Node 20 otherwise takes `lb run --env-file FILE` as its own --env-file
// (it scans the whole command line up to a `--`), loads FILE into lb's environment, and exits 9 when
// FILE is missing, before lb runs.
// Sets the exit code rather than exiting, so piped output is flushed first;
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
