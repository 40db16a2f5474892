# Host set-up shared by `npm start` (core/bin/start.sh) and `npm test` (test/setup/npm-test.sh).
# Source it; it defines functions only. Packages are Debian's: checked with dpkg-query, so a machine
# that has them all does no apt at all; installed as root, named with the command to run otherwise.

lb_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
lb_is_root() { [ "$(id -u)" -eq 0 ]; }

# A package spec is NAME or NAME:COMMAND. With a command, the package also counts as present when that
# command is on PATH (e.g. Docker's own docker-ce gives dockerd without Debian's docker.io).
lb_pkg_present() {
  local name=${1%%:*} cmd=
  [ "$name" = "$1" ] || cmd=${1#*:}
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  [ "$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null)" = "install ok installed" ]
}

# Prints the names of the packages of the given specs that are not installed, space-separated.
lb_missing_pkgs() {
  local spec missing=()
  for spec in "$@"; do lb_pkg_present "$spec" || missing+=("${spec%%:*}"); done
  echo "${missing[*]}"
}

# lb_ensure_pkgs WHAT SPEC…: installs the missing packages as root; otherwise names them and fails.
lb_ensure_pkgs() {
  local what=$1; shift
  if ! command -v dpkg-query >/dev/null 2>&1; then
    lb_say "not a Debian system: cannot check the packages $what needs; make sure these are installed: ${*%%:*}"
    return 0
  fi
  local missing; missing=$(lb_missing_pkgs "$@")
  [ -n "$missing" ] || return 0
  if ! lb_is_root; then
    echo "$what needs these Debian packages, which are missing: $missing" >&2
    echo "Install them as root:  apt-get install -y --no-install-recommends $missing" >&2
    echo "(or run this as root, and it installs them itself)" >&2
    return 1
  fi
  lb_say "installing for $what: $missing"
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

lb_docker_answers() { docker version >/dev/null 2>&1; }

# lb_ensure_dockerd LOGFILE: starts dockerd when no Docker engine answers (root only) and waits for it.
# Sets LB_STARTED_DOCKERD to its pid when it started one (empty otherwise), for lb_stop_started_dockerd.
LB_STARTED_DOCKERD=
lb_ensure_dockerd() {
  local log=$1
  lb_docker_answers && return 0
  if ! lb_is_root; then
    echo "No Docker engine answers, and starting dockerd needs root: start it (e.g. systemctl start docker), or run this as root." >&2
    return 1
  fi
  lb_say "starting dockerd (log: $log)"
  nohup dockerd -H unix:///var/run/docker.sock >"$log" 2>&1 &
  LB_STARTED_DOCKERD=$!
  local _
  for _ in $(seq 1 120); do lb_docker_answers && return 0; kill -0 "$LB_STARTED_DOCKERD" 2>/dev/null || break; sleep 0.5; done
  tail -n 20 "$log" >&2
  echo "dockerd did not come up; see $log" >&2
  return 1
}

# Stops the dockerd that lb_ensure_dockerd started, if it did, and waits until it has exited.
lb_stop_started_dockerd() {
  [ -n "$LB_STARTED_DOCKERD" ] || return 0
  lb_say "stopping the dockerd this run started"
  kill "$LB_STARTED_DOCKERD" 2>/dev/null || true
  local _
  for _ in $(seq 1 60); do kill -0 "$LB_STARTED_DOCKERD" 2>/dev/null || break; sleep 0.5; done
  LB_STARTED_DOCKERD=
}

# npm dependencies of a fresh clone (a clone that has node_modules keeps what it has).
lb_ensure_npm_deps() {
  [ -d node_modules ] && return 0
  lb_say "installing npm dependencies"
  npm ci --no-audit --no-fund
}
