"""GET /metrics seen from outside: exact request counts by outcome after known traffic over
HTTP and gRPC, histogram counts, bytes, the series of a retired version going away, unknown
model names adding no series, and --no-metrics. (A real Prometheus server scraping berth is
another test's; this one reads the exposition text directly.)"""
import http.client
import random
import string
import threading

import numpy as np
import pytest

from conftest import tritonclient_or_skip, wait_for
import models
import util

tritonclient_or_skip()
import tritonclient.grpc as grpcclient  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402

def scrape(server):
    return util.scrape(server.http_port)


value = util.metric


def series_of(samples, **labels):
    """The samples whose labels include `labels`."""
    want = set(labels.items())
    return {k: v for k, v in samples.items() if want <= k[1]}


def run_concurrently(fns):
    results = [None] * len(fns)
    barrier = threading.Barrier(len(fns))

    def wrap(i, fn):
        barrier.wait()
        results[i] = fn()

    threads = [threading.Thread(target=wrap, args=(i, f), daemon=True) for i, f in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
        assert not t.is_alive(), "a request did not finish"
    return results


def simple_inputs(rows=1, dtype=np.float32):
    a = np.arange(rows * 16, dtype=dtype).reshape(rows, 16)
    return [("INPUT0", a), ("INPUT1", a)]


def grpc_simple(client, dtype="FP32"):
    inputs = []
    for name in ("INPUT0", "INPUT1"):
        inp = grpcclient.InferInput(name, [1, 16], dtype)
        inp.set_data_from_numpy(np.ones((1, 16), np.float32 if dtype == "FP32" else np.int32))
        inputs.append(inp)
    return client.infer("simple", inputs)


def test_counts_after_known_traffic(server_factory):
    server = server_factory(["simple", "slow", "slow_queue"])
    port = server.http_port
    # Successes: 5 over HTTP (JSON and binary), 4 over gRPC.
    for i in range(5):
        r = util.infer(port, "simple", simple_inputs(), binary=i % 2 == 1)
        assert r.status == 200, r
    c = server.grpc_client()
    try:
        for _ in range(4):
            grpc_simple(c)
        # Invalid: 2 over gRPC (INT32 where the model takes FP32).
        for _ in range(2):
            with pytest.raises(InferenceServerException):
                grpc_simple(c, dtype="INT32")
    finally:
        c.close()
    # Invalid: 3 over HTTP (16 columns expected, 8 sent), 1 body that is not JSON.
    for _ in range(3):
        a = np.ones((1, 8), np.float32)
        r = util.infer(port, "simple", [("INPUT0", a), ("INPUT1", a)])
        assert r.status == 400, r
    r = util.post(port, "/v2/models/simple/infer", b"{not json",
                  headers={"Content-Type": "application/json"})
    assert r.status == 400, r

    # Timeouts: four slow requests at once with a 1 ms timeout; at most one instance runs.
    slow = run_concurrently([lambda k=k: util.infer(port, "slow", [("INPUT0", np.array(
        [[float(k)]], np.float32))], parameters={"timeout": 1000}) for k in range(4)])
    slow_codes = [r.status for r in slow]
    assert set(slow_codes) <= {200, 504}, slow
    # A full queue: eight at once at a queue of one.
    full = run_concurrently([lambda k=k: util.infer(port, "slow_queue", [("INPUT0", np.array(
        [[float(k)]], np.float32))]) for k in range(8)])
    full_codes = [r.status for r in full]
    assert set(full_codes) <= {200, 503}, full
    assert 503 in full_codes, "eight requests at a queue of one were all taken"

    s = scrape(server)
    v = {"model": "simple", "version": "1"}
    assert value(s, "berth_requests_total", outcome="success", **v) == 9
    assert value(s, "berth_requests_total", outcome="rejected", **v) == 6
    assert value(s, "berth_requests_total", outcome="failed", **v) == 0
    assert value(s, "berth_requests_total", outcome="timed_out", **v) == 0
    # The undecodable body was never accepted: in no histogram.
    assert value(s, "berth_request_duration_seconds_count", **v) == 14
    assert value(s, "berth_queue_duration_seconds_count", **v) == 9
    assert value(s, "berth_compute_duration_seconds_count", **v) == 9
    # simple does not batch: one run per request that ran, each of one row.
    assert value(s, "berth_batch_size_count", **v) == 9
    assert value(s, "berth_batch_size_sum", **v) == 9
    assert value(s, "berth_request_duration_seconds_bucket", le="+Inf", **v) == 14
    assert value(s, "berth_requests_in_flight", **v) == 0
    assert value(s, "berth_queue_depth", **v) == 0
    assert value(s, "berth_request_bytes_total", **v) > 0
    assert value(s, "berth_response_bytes_total", **v) > 0

    sv = {"model": "slow", "version": "1"}
    assert value(s, "berth_requests_total", outcome="success", **sv) == slow_codes.count(200)
    assert value(s, "berth_requests_total", outcome="timed_out", **sv) == slow_codes.count(504)
    assert value(s, "berth_request_duration_seconds_count", **sv) == 4
    assert value(s, "berth_compute_duration_seconds_count", **sv) == slow_codes.count(200)
    qv = {"model": "slow_queue", "version": "1"}
    assert value(s, "berth_requests_total", outcome="success", **qv) == full_codes.count(200)
    assert value(s, "berth_requests_total", outcome="rejected", **qv) == full_codes.count(503)

    for model in ("simple", "slow", "slow_queue"):
        assert value(s, "berth_model_versions", model=model, state="READY") == 1
        assert value(s, "berth_model_versions", model=model, state="FAILED") == 0
        assert value(s, "berth_model_load_duration_seconds_count", model=model) == 1
        assert value(s, "berth_model_load_failures_total", model=model) == 0
    assert value(s, "berth_model_memory_bytes", model="slow", version="1") > 0
    assert value(s, "berth_process_resident_memory_bytes") > 0
    assert value(s, "berth_process_open_fds") > 0
    assert value(s, "berth_process_max_fds") >= value(s, "berth_process_open_fds")
    assert value(s, "berth_process_threads") >= 1
    assert value(s, "berth_process_cpu_seconds_total") > 0
    assert len([k for k in s if k[0] == "berth_build_info"]) == 1


def random_name(rng):
    return "m" + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(12))


def test_unknown_model_names_add_no_series(server_factory):
    """10,000 requests to random model names (5,000 over HTTP, 5,000 over gRPC) move only
    the unrouted counter: the set of series stays as it was."""
    server = server_factory(["simple"])
    assert util.infer(server.http_port, "simple", simple_inputs()).status == 200
    before = scrape(server)
    rng = random.Random(5)
    body, headers = util.json_infer_body(simple_inputs())
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    try:
        for _ in range(5000):
            r = util.request(server.http_port, "POST", f"/v2/models/{random_name(rng)}/infer",
                             body=body, headers=headers, conn=conn)
            assert r.status == 404, r
    finally:
        conn.close()
    c = server.grpc_client()
    try:
        inp = [grpcclient.InferInput(n, [1, 16], "FP32") for n in ("INPUT0", "INPUT1")]
        for i in inp:
            i.set_data_from_numpy(np.ones((1, 16), np.float32))
        for _ in range(5000):
            with pytest.raises(InferenceServerException) as e:
                c.infer(random_name(rng), inp)
            assert e.value.status() == "StatusCode.NOT_FOUND", e.value
    finally:
        c.close()
    after = scrape(server)
    assert set(after) == set(before), set(after) ^ set(before)
    key = ("berth_unrouted_requests_total", frozenset({("reason", "unknown_model")}))
    assert after[key] - before[key] == 10000
    assert value(after, "berth_requests_total", model="simple", version="1",
                 outcome="success") == 1


def test_a_retired_versions_series_disappear(server_factory, tmp_path):
    repo = tmp_path / "swap_repo"
    models.write_version(str(repo), "swap", 1, models.add_constant(1.0))
    server = server_factory(repo=repo, mode="poll", args=["--repository-poll-secs", "0.1"])
    x = [("INPUT0", np.array([1.0], np.float32))]
    assert util.infer(server.http_port, "swap", x).status == 200
    s = scrape(server)
    assert value(s, "berth_requests_total", model="swap", version="1", outcome="success") == 1
    models.write_version(str(repo), "swap", 2, models.add_constant(2.0))
    wait_for(lambda: not series_of(scrape(server), model="swap", version="1"), 60,
             "version 1's series to go once version 2 replaced it")
    assert util.infer(server.http_port, "swap", x).status == 200
    s = scrape(server)
    assert value(s, "berth_requests_total", model="swap", version="2", outcome="success") == 1
    assert value(s, "berth_model_load_duration_seconds_count", model="swap") == 2
    assert value(s, "berth_model_versions", model="swap", state="READY") == 1


def test_no_metrics_answers_404(server_factory):
    server = server_factory(["simple"], args=["--no-metrics"])
    assert util.infer(server.http_port, "simple", simple_inputs()).status == 200
    assert util.get(server.http_port, "/metrics").status == 404
