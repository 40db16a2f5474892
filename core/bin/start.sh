#!/usr/bin/env bash
# `npm start`: brings the platform up on this machine with its embedded defaults, installing what is
# missing first: npm dependencies, the build, and (as root, when no Docker engine answers) Debian's
# docker.io. Then runs `lb server` in the foreground; extra arguments go to it.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if [ ! -d node_modules ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund
fi
say "building"
npm run --silent build

if ! docker version >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "No Docker engine answers and this is not root: install Docker (e.g. apt-get install docker.io) and start it." >&2
      exit 1
    fi
    say "installing Debian's docker.io"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io
  fi
  if ! docker version >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "dockerd is installed but not running, and starting it needs root." >&2
      exit 1
    fi
    say "starting dockerd (log: /var/log/lb-dockerd.log)"
    nohup dockerd -H unix:///var/run/docker.sock >/var/log/lb-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
    docker version >/dev/null 2>&1 || { echo "dockerd did not come up; see /var/log/lb-dockerd.log" >&2; exit 1; }
  fi
fi

say "starting lb server (Ctrl-C stops it; containers keep running)"
exec node --max-semi-space-size=1 core/bin/lb.js server "$@"  # the flags of lb.js's shebang
