#!/bin/sh
# A Docker engine for the docker-backend tests.
#
#   .ci/docker.sh start   install docker.io if needed; start dockerd unless an engine answers; wait (≤ 60 s)
#   .ci/docker.sh stop    stop the dockerd that `start` launched (no-op if it found one running)
#
# lambdactl runs containers with host networking, so dockerd needs neither a bridge nor
# iptables: `dockerd --iptables=false --bridge=none`. State and log: $LAMBDACTL_DOCKERD_DIR
# (default /tmp/lambdactl-dockerd); the pid file there marks an engine we started.
set -eu

DIR=${LAMBDACTL_DOCKERD_DIR:-/tmp/lambdactl-dockerd}
PIDFILE=$DIR/dockerd.pid

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start() {
    if ! command -v dockerd >/dev/null 2>&1; then
        echo "docker.sh: installing docker.io" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq docker.io >/dev/null
    fi
    if answers; then
        echo "docker.sh: a Docker engine already answers" >&2
        return 0
    fi
    mkdir -p "$DIR"
    # setsid: the engine outlives this script but not the CI job, which calls `stop`.
    setsid dockerd --iptables=false --ip6tables=false --bridge=none --pidfile "$DIR/engine.pid" \
        >"$DIR/dockerd.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    i=0
    until answers; do
        i=$((i + 1))
        if [ $i -gt 120 ] || ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            echo "docker.sh: dockerd did not come up; its log:" >&2
            tail -n 30 "$DIR/dockerd.log" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "docker.sh: dockerd $(docker version --format '{{.Server.Version}}') started (pid $(cat "$PIDFILE"))" >&2
}

stop() {
    [ -f "$PIDFILE" ] || return 0
    pid=$(cat "$PIDFILE")
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 40 ]; do i=$((i + 1)); sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
