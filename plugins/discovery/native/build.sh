#!/bin/sh
# `npm run build` runs this: builds build/udp-answers.node from udp-answers.c where a C compiler and
# Node's headers (Debian's nodejs ships them in /usr/include/node) are. Without them it says so and the
# build goes on: the discovery server then serves UDP with node:dgram (src/native-udp.ts).
set -eu
cd "$(dirname "$0")"
out=build/udp-answers.node
[ -f "$out" ] && [ "$out" -nt udp-answers.c ] && exit 0
cc=${CC:-cc}
skip() { echo "plugins/discovery/native: $1: discovery DNS will answer UDP with node:dgram" >&2; exit 0; }
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc; apt-get install gcc libc6-dev)"
inc=$(dirname "$(command -v node)")/../include/node
[ -f "$inc/node_api.h" ] || skip "no Node headers in $inc"
mkdir -p build
"$cc" -O2 -shared -fPIC -pthread -Wall -Wextra -Werror -I"$inc" -o "$out.tmp" udp-answers.c || skip "$cc could not build $out"
mv "$out.tmp" "$out"
