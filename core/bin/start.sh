#!/usr/bin/env bash
# `npm start`: brings the platform up on this machine with its embedded defaults, installing what is
# missing first: npm dependencies, the build, and (as root) the Debian packages that the default
# drivers and the README's tour use, then a Docker engine when none answers. Then runs `lb server` in
# the foreground; extra arguments go to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/host-setup.sh
. scripts/host-setup.sh

# docker.io: the CRI/CII driver's engine; busybox-static: the tour's test image (step 1);
# nftables: the CPI (IPVS's fallback); iproute2, util-linux (nsenter, mount): discovery, CNI, CSI.
START_PACKAGES=(docker.io:dockerd busybox-static nftables iproute2 util-linux)

lb_ensure_npm_deps
lb_say "building"
npm run --silent build
lb_ensure_pkgs "npm start" "${START_PACKAGES[@]}"
# Left running when lb server stops: the pods' containers live in it.
lb_ensure_dockerd /var/log/lb-dockerd.log

lb_say "starting lb server (Ctrl-C stops it; containers keep running)"
exec core/bin/lb.js server "$@"  # by its launcher: the server's node options
