#!/usr/bin/env bash
# Inference server benchmarks (protocol cost vs nginx, server overhead vs in-process, dynamic
# batching); see bench/server/server_bench.py and docs/PERFORMANCE.md, "Inference server".
# Loopback only; every server started here is stopped on exit. Extra arguments go to the
# Python script (e.g. --only protocol --rounds 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${BERTH_PYTHON:-.venv/bin/python}
for tool in /usr/bin/wrk /usr/sbin/nginx build/bin/berth "$PY"; do
  [[ -x $tool ]] || { echo "run_server_bench: $tool is missing" >&2; exit 1; }
done
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
# Bounded as a whole too: no run should take more than about 10 minutes.
timeout --signal=TERM --kill-after=30 1500 "$PY" bench/server/server_bench.py "$@" &
pid=$!
wait "$pid"
