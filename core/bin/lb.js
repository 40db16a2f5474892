#!/bin/sh
':' //; SERVER_NODE_OPTIONS='--max-semi-space-size=8 --heap-growing-percent=100 --expose-gc'
':' //; SERVER_MALLOC='glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072'
':' //; case " $* " in *' server '*|*' agent '*|*' conformance '*) export GLIBC_TUNABLES="${GLIBC_TUNABLES:-$SERVER_MALLOC}"; exec node $SERVER_NODE_OPTIONS -- "$0" "$@" ;; esac
':' //; [ -z "$NODE_EXTRA_CA_CERTS" ] || { export LB_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }
':' //; exec node -- "$0" "$@"
'use strict';
// The `lb` command: a shell launcher (the lines above; JavaScript reads them as strings and comments), then
// the CLI.
// - The long-running commands (server, agent, conformance: any command line with such a word) run with
//   SERVER_NODE_OPTIONS: the young generation may grow to 8 MB a semi-space under load (10,000 pods
//   converged ~15% faster than with 1 MB, scavenging half as long; as fast with 8 MB as with 16, whose
//   young generation stayed 16 MB larger once the burst was over, and faster than with 4) and V8 shrinks
//   it again at the first GC with little allocation (an idle server is back to the 1 MB figure ~20 s
//   after start-up); the old generation grows to at most twice its live size between full collections
//   instead of up to four times (a server holding 10,000 pods' state settled at ~330 MB instead of
//   ~460 MB, for about the same CPU); --expose-gc lets the process collect, compacting, once it is quiet
//   after a burst (src/util/idle-gc.ts).
// - They also run with SERVER_MALLOC as glibc's malloc tunables (unless GLIBC_TUNABLES is set): two
//   arenas instead of eight a core for the threads LevelDB and libuv's pool allocate from, and blocks of
//   128 KiB and more mapped on their own and unmapped when freed, where glibc otherwise raises that
//   threshold as such blocks are freed and keeps them in a heap that does not shrink (with 10,000 pods'
//   state: ~50 MB less resident).
// - Client commands run without NODE_EXTRA_CA_CERTS, which Node reads and parses at start-up before any
//   code runs, needed or not (~40 ms for a system bundle); the launcher hands it on as LB_EXTRA_CA_CERTS,
//   and the connections that use the default trust add it back when they are made
//   (sdk/src/default-trust.ts).
// - The `--` ends node's own options: Node 20 otherwise takes `lb run --env-file FILE` as its own
//   --env-file (it scans the whole command line up to a `--`), loads FILE into lb's environment, and exits
//   9 when FILE is missing, before lb runs.
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
