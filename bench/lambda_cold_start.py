#!/usr/bin/env python3
"""Cold start of `berth lambda`: from process start to the first answer, for one model.

Each run starts a fresh loopback fake of the Lambda Runtime API (tests/lambda/) with one API
Gateway proxy event already queued (an infer request of one row), starts `berth lambda
--model-file MODEL --max-invocations 1`, and measures from just before the process is spawned
to the moment the fake receives the proxy response (also: to the first GET .../next, i.e.
init). Prints the median and the spread over the runs. Target: median at most 100 ms for mlp.

  bench/lambda_cold_start.py --berth build/bin/berth --model /work/bench-models/mlp.onnx
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lambda"))

from fake_runtime_api import FakeRuntimeApi  # noqa: E402


def model_input(berth, model):
    """The first input's name and width from `berth inspect` ([batch, N] float)."""
    out = subprocess.run([berth, "inspect", model], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    row = lines[lines.index("Inputs (1):") + 2].split()
    name, shape = row[0], row[2].strip("[]").split(",")
    return name, int(shape[-1])


def one_run(berth, model, event, threads):
    fake = FakeRuntimeApi()
    try:
        request_id = fake.add(event)
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=fake.endpoint)
        start = time.monotonic()
        proc = subprocess.Popen([berth, "lambda", "--model-file", model, "--max-invocations", "1",
                                 "--intra-op-threads", str(threads), "--log-level", "warn"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        answer = fake.wait_answer(request_id, timeout=60)
        _, err = proc.communicate(timeout=60)
        if proc.returncode != 0 or answer is None or answer["kind"] != "response":
            raise SystemExit(f"run failed: {proc.returncode} {answer} {err.decode()}")
        if json.loads(answer["body"])["statusCode"] != 200:
            raise SystemExit(f"run answered {answer['body'][:300]}")
        return (answer["at"] - start) * 1000, (fake.first_next_at - start) * 1000
    finally:
        fake.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--berth", default=os.path.join(HERE, "..", "build", "bin", "berth"))
    p.add_argument("--model", default="/work/bench-models/mlp.onnx")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--threads", type=int, default=1, help="--intra-op-threads")
    a = p.parse_args()
    name, width = model_input(a.berth, a.model)
    body = json.dumps({"inputs": [{"name": name, "datatype": "FP32", "shape": [1, width],
                                   "data": [0.5] * width}]})
    model = os.path.splitext(os.path.basename(a.model))[0]
    event = {"version": "2.0", "rawPath": f"/v2/models/{model}/infer",
             "requestContext": {"http": {"method": "POST"}}, "body": body,
             "isBase64Encoded": False}
    one_run(a.berth, a.model, event, a.threads)  # warm the page cache, as an image would be
    answers, inits = [], []
    for _ in range(a.runs):
        first, init = one_run(a.berth, a.model, event, a.threads)
        answers.append(first)
        inits.append(init)
    q = statistics.quantiles(answers, n=10)
    print(f"berth lambda cold start, {os.path.basename(a.model)}, {a.runs} runs, "
          f"--intra-op-threads {a.threads}")
    print(f"  process start -> first answer: median {statistics.median(answers):.1f} ms, "
          f"p10 {q[0]:.1f}, p90 {q[-1]:.1f}, min {min(answers):.1f}, max {max(answers):.1f}")
    print(f"  process start -> ready (first GET next): median {statistics.median(inits):.1f} ms")
    target = 100.0
    print(f"  target <= {target:.0f} ms: "
          f"{'met' if statistics.median(answers) <= target else 'MISSED'}")


if __name__ == "__main__":
    main()
