#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the sandbox tests and benchmarks. Idempotent.
#  - DOCKER_HOST set: only checks that engine (we never start a remote one).
#  - otherwise: installs docker.io + busybox-static on Debian when dockerd is missing,
#    starts `dockerd --iptables=false --bridge=none` in the background when `docker info`
#    does not answer, and waits (bounded) until it does.
# Prints the engine version. Env: AIOS_DOCKERD_LOG (default /tmp/aios-dockerd.log),
# AIOS_DOCKER_WAIT_S (default 60).
set -euo pipefail

log_file="${AIOS_DOCKERD_LOG:-/tmp/aios-dockerd.log}"
wait_s="${AIOS_DOCKER_WAIT_S:-120}"

engine_answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

print_version() {
  echo "docker engine $(docker version --format '{{.Server.Version}}') at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
}

if [[ -n "${DOCKER_HOST:-}" ]]; then
  if engine_answers; then print_version; exit 0; fi
  echo "ensure-docker: no Docker engine answers at DOCKER_HOST=$DOCKER_HOST (unset it to start a local one)" >&2
  exit 1
fi

if engine_answers; then print_version; exit 0; fi

need_install=()
command -v dockerd >/dev/null 2>&1 || need_install+=(docker.io)
command -v docker >/dev/null 2>&1 || need_install+=(docker.io)
[[ -x /bin/busybox ]] || need_install+=(busybox-static) # the sandbox image's shell
if ((${#need_install[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-docker: need root to install ${need_install[*]} (or start Docker yourself)" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-docker: dockerd is missing and this is not Debian/Ubuntu: install Docker yourself" >&2
    exit 1
  fi
  echo "ensure-docker: installing ${need_install[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2046 # de-duplicated word list on purpose
  apt-get install -y -qq $(printf '%s\n' "${need_install[@]}" | sort -u) >/dev/null
fi

# A live process exists and is not a zombie: PID 1 on these machines does not reap, so an engine
# killed with its session lingers as <defunct>, and its pid files still name it.
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ -n "$st" && "$st" != Z* ]]; }
live_dockerd() { local p; for p in $(pgrep -x dockerd 2>/dev/null); do alive "$p" && return 0; done; return 1; }
clear_stale_pidfile() {
  local f=$1 p
  [[ -f "$f" ]] || return 0
  p=$(cat "$f" 2>/dev/null || true)
  if [[ -z "$p" ]] || ! alive "$p"; then rm -f "$f"; fi
}

# dockerd might be alive but still starting (another run of this script); only start one
# when no live dockerd process exists.
if ! live_dockerd; then
  clear_stale_pidfile /var/run/docker.pid
  clear_stale_pidfile /var/run/docker/containerd/containerd.pid
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-docker: need root to start dockerd (or start Docker yourself / set DOCKER_HOST)" >&2
    exit 1
  fi
  echo "ensure-docker: starting dockerd (log: $log_file)" >&2
  # --iptables=false --bridge=none: no netfilter in containers-in-CI; sandboxes use --network none.
  # Its own session, so a CI step that kills its process group on exit leaves the engine running.
  if command -v setsid >/dev/null 2>&1; then
    setsid -f dockerd --iptables=false --bridge=none >"$log_file" 2>&1 </dev/null
  else
    nohup dockerd --iptables=false --bridge=none >"$log_file" 2>&1 </dev/null &
  fi
fi

deadline=$((SECONDS + wait_s))
until engine_answers; do
  if ((SECONDS >= deadline)); then
    echo "ensure-docker: dockerd did not answer within ${wait_s}s; last log lines:" >&2
    tail -n 20 "$log_file" >&2 || true
    exit 1
  fi
  sleep 0.3
done
print_version
