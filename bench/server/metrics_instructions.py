#!/usr/bin/env python3
"""The cost of metrics counted in instructions, which a shared, noisy machine does not blur.

Usage: .venv/bin/python bench/server/metrics_instructions.py [--requests 1000,4000]
           [--berth build/bin/berth]

Runs `berth serve` under `valgrind --tool=callgrind` on the one-element Identity model of
server_bench.py's section 1, with metrics and with --no-metrics (both --no-access-log and
--io-spin-us 0, so that no instruction depends on timing), and sends it the first and then the
second number of requests, one at a time over one keep-alive connection. The difference of the
two runs' instruction totals, divided by the difference of the request counts, is the
instructions one request costs, without start-up and shutdown. Prints those per-request counts
and the ratio; asserts nothing. Wall time under callgrind is ~50x slower, so a few thousand
requests take a minute.
"""
import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_bench as sb  # noqa: E402


def instructions_for(berth, repo, work, extra, requests):
    """Callgrind's instruction total for a server that answered `requests` requests."""
    port = sb.free_port()
    out = os.path.join(work, f"callgrind.{len(os.listdir(work))}")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", berth, "serve",
           "--model-repository", repo, "--host", sb.HOST, "--http-port", str(port),
           "--grpc-port", str(sb.free_port()), "--no-access-log", "--io-spin-us", "0",
           "--model-control-mode", "none"] + extra
    proc = sb.spawn(cmd, out + ".log")
    try:
        sb.wait_http(port, "/v2/models/identity/ready", proc, timeout=300)
        body = sb.json_infer_body("INPUT0", np.array([1.5], dtype=np.float32))
        conn = http.client.HTTPConnection(sb.HOST, port, timeout=60)
        for _ in range(requests):
            conn.request("POST", "/v2/models/identity/infer", body=body,
                         headers={"Content-Type": "application/json"})
            reply = conn.getresponse()
            reply.read()
            if reply.status != 200:
                raise RuntimeError(f"infer answered {reply.status}")
        conn.close()
    finally:
        sb.stop(proc, grace=120)
    with open(out) as f:
        m = re.search(r"^totals: (\d+)", f.read(), re.M)
    return int(m.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--berth", default="build/bin/berth")
    p.add_argument("--requests", default="1000,4000")
    p.add_argument("--keep", metavar="DIR", help="keep callgrind's files in DIR (for "
                   "callgrind_annotate) instead of a temporary folder")
    a = p.parse_args()
    low, high = (int(x) for x in a.requests.split(","))
    berth = os.path.abspath(a.berth)
    with tempfile.TemporaryDirectory(prefix="berth_metrics_ir_") as temp:
        work = a.keep or temp
        os.makedirs(work, exist_ok=True)
        repo = os.path.join(work, "repo")
        sb.identity_model(os.path.join(repo, "identity", "1", "model.onnx"))
        per_request = {}
        for name, extra in (("metrics", []), ("no-metrics", ["--no-metrics"])):
            runs = os.path.join(work, name)
            os.makedirs(runs)
            totals = [instructions_for(berth, repo, runs, extra, n) for n in (low, high)]
            per_request[name] = (totals[1] - totals[0]) / (high - low)
            print(f"{name:11s} {totals[0]} instructions for {low} requests, {totals[1]} for "
                  f"{high}: {per_request[name]:.0f} per request", flush=True)
    on, off = per_request["metrics"], per_request["no-metrics"]
    print(f"\nmetrics cost: {on - off:+.0f} instructions per request "
          f"({(on / off - 1) * 100:+.2f}%)")


if __name__ == "__main__":
    main()
