#!/usr/bin/env python3
"""The cost of metrics on the Identity benchmark: berth with metrics and with --no-metrics.

Usage: .venv/bin/python bench/server/metrics_cost.py [--rounds 5] [--duration 4]
           [--connections 1,64] [--berth build/bin/berth]

Two servers (--http-threads 1) on the one-element FP32 Identity model of server_bench.py's
section 1, driven by wrk in turn, round by round (the order alternates). For each run it
records requests per second and the server's CPU time per request (perf stat -e task-clock
on the server's process for the run). CPU time per request is the steadier figure on a
shared machine: other processes slow a run down but add little to the server's own CPU time
(at one connection it includes the I/O thread's spinning between requests, so compare it at
64, where the thread never waits). Prints medians; asserts nothing.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_bench as sb  # noqa: E402


def cpu_ms_during(pid, fn):
    """Runs fn() while perf counts pid's task-clock; returns (fn's result, CPU ms)."""
    perf = subprocess.Popen(["perf", "stat", "-x,", "-e", "task-clock", "-p", str(pid)],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)  # perf attached
    try:
        result = fn()
    finally:
        perf.send_signal(2)
        _, err = perf.communicate(timeout=30)
    for line in err.splitlines():
        m = re.match(r"^([0-9.]+),msec,task-clock", line)
        if m:
            return result, float(m.group(1))
    raise RuntimeError("perf printed no task-clock: " + err)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--berth", default=os.path.join(sb.ROOT, "build", "bin", "berth"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=4)
    ap.add_argument("--connections", default="1,64")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="berth-metrics-cost-")
    repo = os.path.join(work, "repo")
    sb.identity_model(os.path.join(repo, "identity", "1", "model.onnx"))
    path = "/v2/models/identity/infer"
    body_file = os.path.join(work, "identity.json")
    with open(body_file, "wb") as f:
        f.write(sb.json_infer_body("INPUT0", np.array([1.5], dtype=np.float32)))
    conns = [int(c) for c in a.connections.split(",")]
    print(f"load average at start {os.getloadavg()[0]:.2f}", flush=True)
    servers = {}
    try:
        servers["metrics"] = sb.Berth(os.path.abspath(a.berth), repo, ["identity"], work, "on")
        servers["no-metrics"] = sb.Berth(os.path.abspath(a.berth), repo, ["identity"], work, "off",
                                         extra_args=["--no-metrics"])
        for s in servers.values():
            sb.run_wrk(s.http_port, path, 64, 1, body_file, work)  # warm-up
        data = {n: {c: [] for c in conns} for n in servers}
        for r in range(a.rounds):
            order = list(servers) if r % 2 == 0 else list(servers)[::-1]
            for c in conns:
                for name in order:
                    s = servers[name]
                    res, cpu_ms = cpu_ms_during(s.proc.pid, lambda: sb.run_wrk(
                        s.http_port, path, c, a.duration, body_file, work))
                    us_per_req = cpu_ms * 1000 / max(1, res["requests"])
                    data[name][c].append((res["req_per_s"], us_per_req))
                    print(f"round {r + 1} c={c:<2} {name:10} {res['req_per_s']:8.0f} req/s  "
                          f"{us_per_req:6.2f} CPU us/request", flush=True)
    finally:
        for s in servers.values():
            s.stop()
        sb.stop_all()
    print(f"\nload average at end {os.getloadavg()[0]:.2f}\n")
    print("| connections | server | req/s (median) | CPU us/request (median) |")
    print("|---|---|---|---|")
    for c in conns:
        for name in servers:
            rps = sb.med([x[0] for x in data[name][c]])
            cpu = sb.med([x[1] for x in data[name][c]])
            print(f"| {c} | {name} | {rps:.0f} | {cpu:.2f} |")
        on = sb.med([x[1] for x in data["metrics"][c]])
        off = sb.med([x[1] for x in data["no-metrics"][c]])
        print(f"| {c} | metrics cost | | {100 * (on - off) / off:+.1f}% CPU per request |")


if __name__ == "__main__":
    main()
