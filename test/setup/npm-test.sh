#!/usr/bin/env bash
# `npm test`: makes this machine able to run every test, then builds, type-checks the tests and runs
# jest; arguments go to jest (`npm test -- --selectProjects unit`). As root it installs the missing
# Debian packages and starts dockerd when no engine answers (and stops that dockerd again at the end);
# otherwise it names what is missing and fails. `npm run test:unit` needs none of this.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/host-setup.sh
. scripts/host-setup.sh

# What the integration tests drive: Docker and containerd engines, the busybox-static test image,
# netlink/nft/IPVS (IPVS in a User-Mode Linux guest), haproxy, etcd, a local registry, dig, curl, and
# promtool (Debian's prometheus package) to check the /metrics output, zsh and fish for the completion scripts,
# script(1) (bsdutils) for a pseudo-terminal around `lb exec -it`; chromium for the dashboard's browser test, and
# certutil (libnss3-tools) for the NSS database through which that browser trusts the cluster CA;
# gcc and libc6-dev for core/native (malloc_trim for the server) and plugins/discovery/native (the DNS UDP
# thread), both built by `npm run build`, and the data-path
# benchmarks (the static C backend); dnsmasq and dnsperf (the DNS peer and load).
TEST_PACKAGES=(
  docker.io:dockerd containerd:containerd runc:runc busybox-static iptables ca-certificates iproute2
  util-linux nftables dnsutils user-mode-linux ipvsadm haproxy openssl docker-registry etcd-server
  etcd-client curl prometheus:promtool zsh fish bsdutils:script chromium:chromium libnss3-tools:certutil
  gcc:gcc libc6-dev dnsmasq-base:dnsmasq dnsperf:dnsperf
)

lb_ensure_npm_deps
lb_ensure_pkgs "npm test" "${TEST_PACKAGES[@]}"
# A dockerd this run started goes again at its end, and with it the test containers it holds.
stop_own_engine() {
  if [ -n "$LB_STARTED_DOCKERD" ]; then
    local ids; ids=$(docker ps -aq --filter label=io.lastbackend.node 2>/dev/null || true)
    # shellcheck disable=SC2086 # one word per id
    [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
  fi
  lb_stop_started_dockerd
}
trap stop_own_engine EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
lb_ensure_dockerd "${TMPDIR:-/tmp}/lb-test-dockerd.log"

npm run --silent build
npx tsc -p tsconfig.test.json
npx jest --ci "$@"
