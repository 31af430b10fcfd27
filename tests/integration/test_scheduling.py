"""The scheduler seen from outside: the dynamic batcher, the bounded queue (503 /
UNAVAILABLE), the request timeout (504 / DEADLINE_EXCEEDED), clients that go away."""
import socket
import threading
import time

import grpc
import numpy as np
import pytest

from conftest import tritonclient_or_skip
import util

tritonclient_or_skip()
import tritonclient.grpc as grpcclient  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402

ROUNDS = 5  # attempts for the checks that need requests to meet in the queue


def run_concurrently(fns, timeout=300):
    """Runs every fn at once (released together); returns their results or exceptions."""
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def wrap(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as e:  # noqa: BLE001
            results[i] = e

    threads = [threading.Thread(target=wrap, args=(i, f), daemon=True)
               for i, f in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a request did not finish"
    return results


def stats_of(port, model):
    s = util.get(port, f"/v2/models/{model}/stats").json()["model_stats"][0]
    return int(s["inference_count"]), int(s["execution_count"])


def batched_expected(a):
    return a * np.float32(2) + np.float32(1)


def test_dynamic_batching_same_outputs(server, tmp_path):
    """Requests of different row counts at once give what each gives alone (and what
    `berth infer` gives); statistics show fewer executions than inferences."""
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((1 + i % 3, 4)).astype(np.float32) for i in range(16)]
    model = f"{server.repo}/batched/1/model.onnx"
    refs = [util.berth_infer(model, [a], tmp_path / f"ref{i}") for i, a in enumerate(arrays)]
    alone = []
    for a in arrays:
        alone.append(util.parse_infer_reply(util.infer(server.http_port, "batched",
                                                       [("INPUT0", a)], binary=True))[1])
    for out, ref in zip(alone, refs):
        util.assert_same(out["OUTPUT0"], ref[0])
        util.assert_same(out["OUTPUT1"], ref[1])

    batched_seen = False
    for _ in range(ROUNDS):
        inf0, exe0 = stats_of(server.http_port, "batched")
        replies = run_concurrently([lambda a=a: util.infer(server.http_port, "batched",
                                                           [("INPUT0", a)], binary=True)
                                    for a in arrays])
        for a, reply, ref in zip(arrays, replies, refs):
            assert not isinstance(reply, Exception), reply
            doc, out = util.parse_infer_reply(reply)
            util.assert_same(out["OUTPUT0"], ref[0])
            util.assert_same(out["OUTPUT1"], ref[1])
        inf1, exe1 = stats_of(server.http_port, "batched")
        rows = sum(a.shape[0] for a in arrays)
        # inference_count counts rows (as Triton's does) or requests; either way more than
        # the executions once any two requests ran together.
        assert inf1 - inf0 in (rows, len(arrays)), (inf0, inf1, rows)
        assert 1 <= exe1 - exe0 <= len(arrays), (exe0, exe1)
        if exe1 - exe0 < len(arrays):
            batched_seen = True
            break
    assert batched_seen, "16 concurrent requests never shared an execution in any round"


def test_dynamic_batching_grpc(server):
    arrays = [np.full((1, 4), i, np.float32) for i in range(12)]

    def one(a):
        c = server.grpc_client()
        try:
            inp = grpcclient.InferInput("INPUT0", [1, 4], "FP32")
            inp.set_data_from_numpy(a)
            return c.infer("batched", [inp]).as_numpy("OUTPUT0")
        finally:
            c.close()

    for a, out in zip(arrays, run_concurrently([lambda a=a: one(a) for a in arrays])):
        assert not isinstance(out, Exception), out
        util.assert_same(out, batched_expected(a))


def slow_input(k):
    return np.array([[float(k)]], np.float32)


def test_queue_full_http(server):
    """slow_queue: one instance, max_queue_size 1. Eight at once: some get 503 naming the
    model, the rest their right answer."""
    seen_503 = False
    for _ in range(ROUNDS):
        replies = run_concurrently([lambda k=k: util.infer(server.http_port, "slow_queue",
                                                           [("INPUT0", slow_input(k))])
                                    for k in range(8)])
        statuses = []
        for k, r in enumerate(replies):
            assert not isinstance(r, Exception), r
            statuses.append(r.status)
            if r.status == 200:
                util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], slow_input(k))
            else:
                assert r.status == 503, r
                assert "slow_queue" in r.error, r
        assert statuses.count(200) >= 1, statuses
        if 503 in statuses:
            seen_503 = True
            break
    assert seen_503, "eight concurrent requests never filled a queue of one"
    # The model still serves afterwards.
    assert util.infer(server.http_port, "slow_queue", [("INPUT0", slow_input(1))]).status == 200


def test_queue_full_grpc(server):
    def one(k):
        c = server.grpc_client()
        try:
            inp = grpcclient.InferInput("INPUT0", [1, 1], "FP32")
            inp.set_data_from_numpy(slow_input(k))
            return c.infer("slow_queue", [inp]).as_numpy("OUTPUT0")
        finally:
            c.close()

    seen = False
    for _ in range(ROUNDS):
        results = run_concurrently([lambda k=k: one(k) for k in range(8)])
        for k, r in enumerate(results):
            if isinstance(r, InferenceServerException):
                assert r.status() == "StatusCode.UNAVAILABLE", r
                assert "slow_queue" in r.message(), r
                seen = True
            else:
                assert not isinstance(r, Exception), r
                util.assert_same(r, slow_input(k))
        if seen:
            break
    assert seen, "eight concurrent gRPC requests never filled a queue of one"


class Blockers:
    """Keeps the slow model's single instance busy with `n` requests in the background."""

    def __init__(self, server, n=3, model="slow"):
        self.replies = []
        self.threads = [threading.Thread(target=self._one, args=(server, model, k), daemon=True)
                        for k in range(n)]

    def _one(self, server, model, k):
        try:
            self.replies.append((k, util.infer(server.http_port, model,
                                               [("INPUT0", slow_input(100 + k))])))
        except Exception as e:  # noqa: BLE001
            self.replies.append((k, e))

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(0.3)  # let them reach the queue (setup only; nothing is timed)
        return self

    def __exit__(self, *exc):
        for t in self.threads:
            t.join(300)
        for k, r in self.replies:
            assert not isinstance(r, Exception), r
            assert r.status == 200, r
            util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], slow_input(100 + k))


def test_timeout_http(server):
    seen = False
    for _ in range(ROUNDS):
        with Blockers(server):
            r = util.infer(server.http_port, "slow", [("INPUT0", slow_input(1))],
                           parameters={"timeout": 1000})
        if r.status == 504:
            assert r.error
            seen = True
            break
        assert r.status == 200, r  # it reached an idle instance: try again
    assert seen, "a 1 ms timeout behind three slow requests never expired"


def test_timeout_grpc(server):
    c = server.grpc_client()
    seen = False
    try:
        for _ in range(ROUNDS):
            inp = grpcclient.InferInput("INPUT0", [1, 1], "FP32")
            inp.set_data_from_numpy(slow_input(2))
            with Blockers(server):
                try:
                    c.infer("slow", [inp], timeout=1000)
                except InferenceServerException as e:
                    assert e.status() == "StatusCode.DEADLINE_EXCEEDED", e
                    seen = True
            if seen:
                break
    finally:
        c.close()
    assert seen


def test_generous_timeout_succeeds(server):
    r = util.infer(server.http_port, "slow", [("INPUT0", slow_input(3))],
                   parameters={"timeout": 600_000_000})
    assert r.status == 200, r


def test_client_disconnects_while_queued(server):
    body, headers = util.json_infer_body([("INPUT0", slow_input(4))])
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    raw = (f"POST /v2/models/slow/infer HTTP/1.1\r\nHost: x\r\n{head}"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    _, executions_before = stats_of(server.http_port, "slow")
    # Six blockers keep the instance busy for about a second (six runs of ~190 ms), long
    # after every request below has been sent and the gRPC client has given up.
    with Blockers(server, n=6):
        for _ in range(6):
            s = socket.create_connection(("127.0.0.1", server.http_port), timeout=30)
            s.sendall(raw)
            s.close()
        # gRPC: a client deadline far shorter than the queue.
        c = server.grpc_client()
        inp = grpcclient.InferInput("INPUT0", [1, 1], "FP32")
        inp.set_data_from_numpy(slow_input(5))
        with pytest.raises(InferenceServerException) as e:
            c.infer("slow", [inp], client_timeout=0.05)
        assert "DEADLINE_EXCEEDED" in e.value.status(), e.value
        c.close()
    # The server is fine: live, ready, and serving the same model.
    assert util.get(server.http_port, "/v2/health/live").status == 200
    assert util.get(server.http_port, "/v2/health/ready").status == 200
    r = util.infer(server.http_port, "slow", [("INPUT0", slow_input(6))])
    util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], slow_input(6))
    # Only the six blockers and that last request ran: the 6 HTTP requests and the gRPC one
    # whose clients went away were answered without running.
    _, executions_after = stats_of(server.http_port, "slow")
    assert executions_after - executions_before == 7, (executions_before, executions_after)
