#!/bin/sh
# `npm run build` runs this: builds build/malloc-trim.node from malloc-trim.c where a C compiler is
# (CC, else cc). Without one, or on a libc without malloc_trim, it says so and the build goes on: the
# server then runs without giving malloc's free pages back (src/util/malloc-trim.ts).
set -eu
cd "$(dirname "$0")"
out=build/malloc-trim.node
[ -f "$out" ] && [ "$out" -nt malloc-trim.c ] && exit 0
cc=${CC:-cc}
skip() { echo "core/native: $1: lb server will not give malloc's free pages back to the kernel" >&2; exit 0; }
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc; apt-get install gcc libc6-dev)"
mkdir -p build
"$cc" -O2 -shared -fPIC -Wall -Wextra -Werror -o "$out.tmp" malloc-trim.c || skip "$cc could not build $out"
mv "$out.tmp" "$out"
