#!/usr/bin/env python3
"""Inference server benchmarks: protocol cost, server overhead, dynamic batching.

Usage: .venv/bin/python bench/server/server_bench.py [--only protocol,overhead,batching]
           [--rounds 3] [--duration 4] [--berth build/bin/berth] [--models bench/models]
           [--json-out FILE]

Everything runs on 127.0.0.1 with ports picked free by the kernel; every server (berth, nginx)
is started and stopped here (SIGTERM, then SIGKILL after a grace period; children also get
SIGTERM if this process dies). Each measurement is bounded in time; nothing asserts a timing.
Results are printed as Markdown tables (medians of the rounds) and optionally written as JSON.

1. protocol: a one-element FP32 Identity model over HTTP/1.1 keep-alive, wrk (one thread)
   POSTing the JSON infer body at 1, 8 and 64 connections; berth with --http-threads 1 and 2
   against nginx (2 workers, `return 200 '<berth's reply>'`), the three interleaved round by round.
   With --access-log-ab: berth with the access log on (buffered, and written by the I/O thread
   itself: --log-buffer-bytes 0) and off, --http-threads 1, instead.
2. overhead: p50 through the server (HTTP JSON, HTTP binary extension, gRPC) minus p50 of
   `berth bench --threads 2 --batch 1`, for mlp and resnet50, at concurrency 1, with the
   leanest Python clients: a raw keep-alive socket sending a pre-encoded request and reading
   Content-Length bytes; for gRPC a grpcio unary call with pre-serialized ModelInferRequest
   bytes (no protobuf work per call). The same raw client against nginx gives the floor that
   client + loopback alone cost.
3. batching: resnet18 at concurrency 8 (wrk, 8 connections, binary HTTP) on two copies of the
   model in one server: dynamic batcher on (max_batch_size 8, max_queue_delay_us 2000,
   preferred 4 and 8) and off (max_batch_size 8, no dynamic_batching), interleaved.
"""
import argparse
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HOST = "127.0.0.1"

_children = []
SERVER_ENV = None  # environment of berth servers (None: this process's); see --server-env
SERVER_ARGS = []  # extra `berth serve` arguments; see --server-arg


# ---------------------------------------------------------------- processes and ports


def _set_pdeathsig():
    # Children get SIGTERM if this process dies without cleaning up (Linux prctl).
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def spawn(cmd, log_path, env=None):
    log = open(log_path, "ab")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                         preexec_fn=_set_pdeathsig)
    log.close()
    _children.append(p)
    return p


def stop(p, grace=15.0):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)
    if p in _children:
        _children.remove(p)


def stop_all():
    for p in list(_children):
        try:
            stop(p, grace=5.0)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=5.0):
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_http(port, path, proc, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {path} answered")
        try:
            if http_get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{path} on port {port} not ready after {timeout} s")


class Berth:
    def __init__(self, berth, repo, models, log_dir, name, http_threads=1, intra_op=None,
                 grpc=True, extra_args=()):
        self.http_port = free_port()
        self.grpc_port = free_port()
        cmd = [berth, "serve", "--model-repository", repo, "--host", HOST,
               "--http-port", str(self.http_port), "--grpc-port", str(self.grpc_port),
               "--http-threads", str(http_threads), "--model-control-mode", "none"]
        if intra_op is not None and not any(x.startswith("--intra-op-threads") for x in SERVER_ARGS):
            cmd += ["--intra-op-threads", str(intra_op)]
        cmd += SERVER_ARGS + list(extra_args)
        # Like for like with nginx, which runs with access_log off: no access log unless a
        # run asks for one (--access-log-ab, --server-arg=--access-log).
        if not any(x in ("--access-log", "--no-access-log") for x in cmd):
            cmd.append("--no-access-log")
        self.grpc = grpc
        self.proc = spawn(cmd, os.path.join(log_dir, name + ".log"), env=SERVER_ENV)
        for m in models:
            wait_http(self.http_port, f"/v2/models/{m}/ready", self.proc)

    def stop(self):
        stop(self.proc)


NGINX_CONF = """daemon off;
master_process on;
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  server_tokens off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen {host}:{port};
{locations}
  }}
}}
"""


class Nginx:
    """nginx with 2 workers answering POSTs with fixed bodies (`return 200 '...'`).

    A static file does not take POST (nginx answers 405), `return` does: it runs in the
    rewrite phase and discards the request body."""

    def __init__(self, bodies, work_dir):
        self.port = free_port()
        d = os.path.join(work_dir, "nginx")
        os.makedirs(d, exist_ok=True)
        locs = []
        for loc, body in bodies.items():
            text = body.decode()
            if any(ch in text for ch in "'$\\\n"):
                raise ValueError("body needs escaping for nginx's return")
            locs.append(f"    location = {loc} {{ default_type application/json; "
                        f"return 200 '{text}'; }}")
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(d=d, host=HOST, port=self.port, locations="\n".join(locs)))
        self.proc = spawn(["/usr/sbin/nginx", "-p", d, "-c", conf, "-e", os.path.join(d, "error.log")],
                          os.path.join(work_dir, "nginx.log"))
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited; see " + os.path.join(d, "error.log"))
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        stop(self.proc)


# ---------------------------------------------------------------- requests and clients


def json_infer_body(name, arr):
    return json.dumps({"inputs": [{"name": name, "shape": list(arr.shape), "datatype": "FP32",
                                   "data": arr.astype(np.float64).ravel().tolist()}]},
                      separators=(",", ":")).encode()


def binary_infer_body(name, arr, output):
    raw = np.ascontiguousarray(arr, dtype=np.float32).tobytes()
    header = json.dumps({"inputs": [{"name": name, "shape": list(arr.shape), "datatype": "FP32",
                                     "parameters": {"binary_data_size": len(raw)}}],
                         "outputs": [{"name": output, "parameters": {"binary_data": True}}]},
                        separators=(",", ":")).encode()
    return header + raw, len(header)


def http_request_bytes(path, body, json_header_len=None):
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(body)}"]
    if json_header_len is None:
        lines.append("Content-Type: application/json")
    else:
        lines.append("Content-Type: application/octet-stream")
        lines.append(f"Inference-Header-Content-Length: {json_header_len}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class RawHttp:
    """A keep-alive HTTP/1.1 client on one socket: sends pre-encoded requests, reads replies
    by Content-Length. About as little Python as a request can cost."""

    def __init__(self, port):
        self.port = port
        self.connect()

    def connect(self):
        self.sock = socket.create_connection((HOST, self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def roundtrip(self, request, retry=True):
        try:
            self.sock.sendall(request)
        except OSError:
            if not retry:
                raise
            self.sock.close()
            self.connect()
            return self.roundtrip(request, retry=False)
        buf = self.buf
        while True:
            i = buf.find(b"\r\n\r\n")
            if i >= 0:
                break
            chunk = self.sock.recv(262144)
            if not chunk:
                if retry and not buf:
                    # The server closed an idle keep-alive connection (nginx does after its
                    # keepalive_timeout while the slow loops run): once more on a new one.
                    self.sock.close()
                    self.connect()
                    return self.roundtrip(request, retry=False)
                raise ConnectionError("server closed the connection")
            buf += chunk
        head = bytes(buf[:i])
        j = head.lower().find(b"\r\ncontent-length:")
        if j < 0:
            raise ConnectionError("reply without Content-Length: " + head.decode(errors="replace"))
        k = head.find(b"\r\n", j + 17)
        end = i + 4 + int(head[j + 17:k if k >= 0 else len(head)])
        while len(buf) < end:
            chunk = self.sock.recv(max(262144, end - len(buf)))
            if not chunk:
                raise ConnectionError("server closed the connection")
            buf += chunk
        body = bytes(buf[i + 4:end])
        del buf[:end]
        return int(head[9:12]), head, body

    def close(self):
        self.sock.close()


class RawGrpc:
    """grpcio unary ModelInfer call with pre-serialized request bytes (no serializers)."""

    def __init__(self, port):
        import grpc  # tritonclient[grpc] brings grpcio
        opts = [("grpc.max_send_message_length", 1 << 28),
                ("grpc.max_receive_message_length", 1 << 28)]
        self.channel = grpc.insecure_channel(f"{HOST}:{port}", options=opts)
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.call = self.channel.unary_unary("/inference.GRPCInferenceService/ModelInfer")
        self.live = self.channel.unary_unary("/inference.GRPCInferenceService/ServerLive")

    def roundtrip(self, request_bytes):
        return self.call(request_bytes, timeout=60)

    def close(self):
        self.channel.close()


class CppGrpc:
    """build/bin/grpc_roundtrip: the generated C++ stub on one channel, a request parsed once
    and sent again and again; it times each call itself (no Python in the loop)."""

    def __init__(self, binary, port, work):
        self.binary, self.target, self.work = binary, f"{HOST}:{port}", work

    def p50(self, request_bytes, warmup, iterations, budget_s):
        path = os.path.join(self.work, "grpc_request.pb")
        with open(path, "wb") as f:
            f.write(request_bytes)  # empty: time ServerLive instead
        out = subprocess.run([self.binary, self.target, path, str(warmup), str(iterations),
                              str(budget_s)], capture_output=True, text=True,
                             timeout=budget_s + 120)
        if out.returncode != 0:
            raise RuntimeError(f"grpc_roundtrip failed: {out.stderr.strip()}")
        js = json.loads(out.stdout)
        return js["p50_us"], js["n"]


def grpc_request_bytes(model, name, arr, output):
    from tritonclient.grpc import service_pb2
    req = service_pb2.ModelInferRequest(model_name=model)
    t = req.inputs.add()
    t.name, t.datatype = name, "FP32"
    t.shape.extend(arr.shape)
    req.outputs.add().name = output
    req.raw_input_contents.append(np.ascontiguousarray(arr, dtype=np.float32).tobytes())
    return req.SerializeToString()


def time_loop(fn, warmup, iterations, budget_s):
    """p50 (us) of fn() at concurrency 1; stops early when the time budget is spent."""
    for _ in range(warmup):
        fn()
    times = []
    stop_at = time.perf_counter() + budget_s
    for _ in range(iterations):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
        if time.perf_counter() > stop_at and len(times) >= 5:
            break
    return statistics.median(times) / 1e3, len(times)


def run_wrk(port, path, connections, duration, body_file, log_dir, json_header=None,
            content_type=None, threads=1):
    env = dict(os.environ, WRK_BODY_FILE=body_file)
    if json_header is not None:
        env["WRK_JSON_HEADER"] = str(json_header)
    if content_type is not None:
        env["WRK_CONTENT_TYPE"] = content_type
    cmd = ["/usr/bin/wrk", f"-t{min(threads, connections)}", f"-c{connections}",
           f"-d{duration}s", "--timeout", "10s", "--latency",
           "-s", os.path.join(HERE, "wrk_post.lua"), f"http://{HOST}:{port}{path}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                         timeout=duration + 30, preexec_fn=_set_pdeathsig)
    with open(os.path.join(log_dir, "wrk.log"), "a") as f:
        f.write(" ".join(cmd) + "\n" + out.stdout + out.stderr + "\n")
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[8:])
    raise RuntimeError("wrk printed no results: " + out.stdout + out.stderr)


def berth_bench(berth, model, iterations, batch=1, threads=2, warmup=10, attempts=3):
    """`berth bench --json`; retried (the binary may be relinked under us), failures logged."""
    cmd = [berth, "bench", model, "--threads", str(threads), "--batch", str(batch),
           "--warmup", str(warmup), "--iterations", str(iterations), "--json"]
    for attempt in range(attempts):
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                             preexec_fn=_set_pdeathsig)
        if out.returncode == 0:
            return json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  berth bench failed (rc {out.returncode}, attempt {attempt + 1}): "
              f"{' '.join(cmd)}\n  stderr: {out.stderr.strip()[-500:]}", flush=True)
        time.sleep(2)
    raise RuntimeError("berth bench failed " + str(attempts) + " times")


def place(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def ensure_models(models_dir, names, shared):
    missing = [n for n in names if not os.path.exists(os.path.join(models_dir, n + ".onnx"))]
    if missing:
        os.makedirs(models_dir, exist_ok=True)
        subprocess.run(["/usr/bin/python3", os.path.join(shared, "bench", "make_models.py"),
                        models_dir] + missing, check=True, timeout=900)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def grpc_available(berth):
    out = subprocess.run([berth, "serve", "--help"], capture_output=True, text=True, timeout=30)
    if "--grpc-port" not in out.stdout:
        return False
    try:
        import grpc  # noqa: F401
        from tritonclient.grpc import service_pb2  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- 1. protocol cost


def identity_model(path):
    import onnx
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("INPUT0", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("OUTPUT0", TensorProto.FLOAT, [1])
    g = helper.make_graph([helper.make_node("Identity", ["INPUT0"], ["OUTPUT0"])], "identity",
                          [x], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(m, path)


def bench_protocol(a, work, results):
    print("\n## 1. Protocol cost: Identity [1] over HTTP keep-alive, wrk -t1, "
          f"{a.duration} s per run, {a.rounds} rounds\n", flush=True)
    repo = os.path.join(work, "repo_identity")
    identity_model(os.path.join(repo, "identity", "1", "model.onnx"))
    path = "/v2/models/identity/infer"
    body = json_infer_body("INPUT0", np.array([1.5], dtype=np.float32))
    body_file = os.path.join(work, "identity.json")
    with open(body_file, "wb") as f:
        f.write(body)

    servers = {}
    nginx = None
    try:
        if a.access_log_ab:
            # The access log on (buffered for the writer thread, and written by each I/O thread
            # itself) and off, one HTTP thread each; stdout (the log) goes to a file.
            for name, flags in (("berth log", ["--access-log"]),
                                ("berth logsync", ["--access-log", "--log-buffer-bytes", "0"]),
                                ("berth nolog", ["--no-access-log"])):
                servers[name] = Berth(a.berth, repo, ["identity"], work,
                                      "berth_identity_" + name.split()[1], extra_args=flags)
        else:
            for t in (1, 2):
                servers[f"berth h{t}"] = Berth(a.berth, repo, ["identity"], work,
                                               f"berth_identity_h{t}", http_threads=t)
            if a.metrics_ab:  # the cost of metrics: h1 again without them, in the same rounds
                servers["berth h1 nometrics"] = Berth(a.berth, repo, ["identity"], work,
                                                      "berth_identity_h1_nometrics",
                                                      http_threads=1, extra_args=["--no-metrics"])
        c = RawHttp(next(iter(servers.values())).http_port)
        status, head, reply = c.roundtrip(http_request_bytes(path, body))
        c.close()
        if status != 200:
            raise RuntimeError(f"identity infer answered {status}: {reply!r}")
        nginx = Nginx({path: reply}, work)
        c = RawHttp(nginx.port)
        _, nhead, nreply = c.roundtrip(http_request_bytes(path, body))
        c.close()
        assert nreply == reply
        results["protocol_sizes"] = {"request_body": len(body), "reply_body": len(reply),
                                     "berth_reply_headers": len(head) + 4,
                                     "nginx_reply_headers": len(nhead) + 4}
        print(f"request body {len(body)} B; reply body {len(reply)} B (both servers); reply "
              f"headers: berth {len(head) + 4} B, nginx {len(nhead) + 4} B\n", flush=True)

        targets = {name: s.http_port for name, s in servers.items()}
        targets["nginx"] = nginx.port
        names = list(targets)
        for name in names:  # warm-up: connections, caches, the model's first runs
            run_wrk(targets[name], path, 64, 1, body_file, work)
        conns = [1, 8, 64]
        data = {n: {c: [] for c in conns} for n in names}
        for r in range(a.rounds):
            order = names if r % 2 == 0 else names[::-1]
            for c in conns:
                for name in order:
                    res = run_wrk(targets[name], path, c, a.duration, body_file, work)
                    bad = sum(res["errors"].values())
                    data[name][c].append(res)
                    print(f"round {r + 1} c={c:<2} {name:8} {res['req_per_s']:9.0f} req/s  "
                          f"p50 {res['p50_us']:7.1f} us  errors {bad}", flush=True)
    finally:
        for s in servers.values():
            s.stop()
        if nginx is not None:
            nginx.stop()

    summary = {}
    print("\n| connections | server | req/s | p50 us | req/s vs nginx | p50 - nginx p50 (us) |")
    print("|---|---|---|---|---|---|")
    for c in conns:
        n_rps = med([x["req_per_s"] for x in data["nginx"][c]])
        n_p50 = med([x["p50_us"] for x in data["nginx"][c]])
        for name in names:
            rps = med([x["req_per_s"] for x in data[name][c]])
            p50 = med([x["p50_us"] for x in data[name][c]])
            summary.setdefault(name, {})[c] = {"req_per_s": rps, "p50_us": p50,
                                               "errors": sum(sum(x["errors"].values())
                                                             for x in data[name][c])}
            rel = "" if name == "nginx" else f"{rps / n_rps:.2f}"
            dp = "" if name == "nginx" else f"{p50 - n_p50:+.1f}"
            print(f"| {c} | {name} | {rps:.0f} | {p50:.1f} | {rel} | {dp} |")
    results["protocol"] = {"medians": summary, "rounds": data}


# ---------------------------------------------------------------- 2. server overhead


OVERHEAD_MODELS = {  # name -> (input shape, iterations per round, time budget per loop in s)
    "mlp": ((1, 64), 2000, 10.0),
    "resnet50": ((1, 3, 224, 224), 40, 20.0),
}


def bench_overhead(a, work, results, use_grpc):
    print(f"\n## 2. Server overhead at concurrency 1, {a.rounds} rounds "
          "(raw keep-alive socket / grpcio with pre-serialized bytes)\n", flush=True)
    ensure_models(a.models, list(OVERHEAD_MODELS), a.shared)
    repo = os.path.join(work, "repo_overhead")
    for m in OVERHEAD_MODELS:
        place(os.path.join(a.models, m + ".onnx"), os.path.join(repo, m, "1", "model.onnx"))
    rng = np.random.default_rng(12345)
    inputs = {m: rng.random(shape, dtype=np.float32) for m, (shape, _, _) in OVERHEAD_MODELS.items()}

    server = None
    nginx = None
    data = {m: {} for m in OVERHEAD_MODELS}
    kinds = ["in-process", "http json", "http binary"] + (["grpc"] if use_grpc else [])
    try:
        server = Berth(a.berth, repo, list(OVERHEAD_MODELS), work, "berth_overhead",
                       http_threads=1, intra_op=2, grpc=use_grpc)
        http_c = RawHttp(server.http_port)
        grpc_c = RawGrpc(server.grpc_port) if use_grpc else None
        cpp_grpc_bin = os.path.join(os.path.dirname(a.berth), "grpc_roundtrip")
        cpp_grpc = (CppGrpc(cpp_grpc_bin, server.grpc_port, work)
                    if use_grpc and os.path.exists(cpp_grpc_bin) else None)
        if cpp_grpc is not None:
            kinds.append("grpc (C++ client)")
        reqs = {}
        for m in OVERHEAD_MODELS:
            p = f"/v2/models/{m}/infer"
            jb = json_infer_body("input", inputs[m])
            bb, hl = binary_infer_body("input", inputs[m], "output")
            reqs[m] = {"http json": http_request_bytes(p, jb),
                       "http binary": http_request_bytes(p, bb, hl)}
            if use_grpc:
                reqs[m]["grpc"] = grpc_request_bytes(m, "input", inputs[m], "output")
            # check once that each path answers with the output
            for k in ("http json", "http binary"):
                st, _, rep = http_c.roundtrip(reqs[m][k])
                if st != 200 or b'"output"' not in rep:
                    raise RuntimeError(f"{m} {k}: {st} {rep[:300]!r}")
            if use_grpc:
                from tritonclient.grpc import service_pb2
                rep = service_pb2.ModelInferResponse.FromString(grpc_c.roundtrip(reqs[m]["grpc"]))
                if not rep.raw_output_contents:
                    raise RuntimeError(f"{m} grpc: no raw output")
        # the floor: the same raw client against nginx returning mlp's JSON reply
        _, _, mlp_reply = http_c.roundtrip(reqs["mlp"]["http json"])
        nginx = Nginx({"/v2/models/mlp/infer": mlp_reply}, work)
        floor_c = RawHttp(nginx.port)
        data["floor"] = {"http json": [], "http binary": []}
        live_req = f"GET /v2/health/live HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()

        for r in range(a.rounds):
            for m, (_, iters, budget) in OVERHEAD_MODELS.items():
                order = kinds if r % 2 == 0 else kinds[::-1]
                for k in order:
                    if k == "in-process":
                        js = berth_bench(a.berth, os.path.join(a.models, m + ".onnx"),
                                         iterations=iters if m != "mlp" else 5000)
                        p50, n = js["p50_ms"] * 1e3, js.get("iterations", iters)
                    elif k == "grpc (C++ client)":
                        p50, n = cpp_grpc.p50(reqs[m]["grpc"], 5 if m != "mlp" else 200, iters,
                                              budget)
                    elif k == "grpc":
                        q = reqs[m][k]
                        p50, n = time_loop(lambda: grpc_c.roundtrip(q), 5 if m != "mlp" else 200,
                                           iters, budget)
                    else:
                        q = reqs[m][k]
                        p50, n = time_loop(lambda: http_c.roundtrip(q), 5 if m != "mlp" else 200,
                                           iters, budget)
                    data[m].setdefault(k, []).append(p50)
                    print(f"round {r + 1} {m:8} {k:12} p50 {p50:10.1f} us  (n={n})", flush=True)
            for k in ("http json", "http binary"):
                q = reqs["mlp"][k]
                p50, n = time_loop(lambda: floor_c.roundtrip(q), 200, 2000, 10.0)
                data["floor"][k].append(p50)
                print(f"round {r + 1} floor    {k:12} p50 {p50:10.1f} us  (nginx, n={n})", flush=True)
            # berth's own transport without a model: GET /v2/health/live, gRPC ServerLive
            p50, n = time_loop(lambda: http_c.roundtrip(live_req), 200, 2000, 10.0)
            data["floor"].setdefault("berth http live", []).append(p50)
            print(f"round {r + 1} floor    berth GET /v2/health/live p50 {p50:8.1f} us (n={n})",
                  flush=True)
            if use_grpc:
                p50, n = time_loop(lambda: grpc_c.live(b"", timeout=10), 200, 2000, 10.0)
                data["floor"].setdefault("berth grpc ServerLive", []).append(p50)
                print(f"round {r + 1} floor    berth gRPC ServerLive p50 {p50:8.1f} us (n={n})",
                      flush=True)
            if cpp_grpc is not None:
                p50, n = cpp_grpc.p50(b"", 200, 2000, 10.0)
                data["floor"].setdefault("berth grpc ServerLive (C++ client)", []).append(p50)
                print(f"round {r + 1} floor    berth gRPC ServerLive, C++ client p50 {p50:8.1f} "
                      f"us (n={n})", flush=True)
        http_c.close()
        floor_c.close()
        if grpc_c is not None:
            grpc_c.close()
    finally:
        if server is not None:
            server.stop()
        if nginx is not None:
            nginx.stop()

    summary = {}
    print("\n| model | path | p50 us | p50 - in-process (us) | / in-process |")
    print("|---|---|---|---|---|")
    for m in OVERHEAD_MODELS:
        base = med(data[m]["in-process"])
        for k in kinds:
            v = med(data[m][k])
            summary.setdefault(m, {})[k] = v
            extra = "" if k == "in-process" else f"{v - base:+.1f}"
            rel = "" if k == "in-process" else f"{v / base:.3f}"
            print(f"| {m} | {k} | {v:.1f} | {extra} | {rel} |")
    for k in ("http json", "http binary"):
        v = med(data["floor"][k])
        summary.setdefault("floor", {})[k] = v
        print(f"| floor: nginx, static mlp reply | {k} request | {v:.1f} | | |")
    for k in ("berth http live", "berth grpc ServerLive", "berth grpc ServerLive (C++ client)"):
        if k in data["floor"]:
            v = med(data["floor"][k])
            summary["floor"][k] = v
            print(f"| floor: berth without a model | {k} | {v:.1f} | | |")
    results["overhead"] = {"medians": summary, "rounds": data}


# ---------------------------------------------------------------- 3. batching

BATCH_CONFIG_ON = """max_batch_size: 8
dynamic_batching:
  max_queue_delay_us: {delay}
  preferred_batch_sizes: [4, 8]
  max_queue_size: 256
instance_count: 1
intra_op_threads: 2
"""
BATCH_CONFIG_OFF = """max_batch_size: 8
instance_count: 1
intra_op_threads: 2
"""


def model_stats(port, model):
    st, body = http_get(port, f"/v2/models/{model}/stats")
    if st != 200:
        return None
    s = json.loads(body)["model_stats"][0]
    return int(s["inference_count"]), int(s["execution_count"])


def bench_batching(a, work, results):
    print(f"\n## 3. Batching: resnet18, 8 connections (wrk -t1 -c8, binary HTTP), "
          f"{a.batch_duration} s per run, {a.rounds} rounds\n", flush=True)
    ensure_models(a.models, ["resnet18"], a.shared)
    src = os.path.join(a.models, "resnet18.onnx")
    repo = os.path.join(work, "repo_batching")
    variants = {"resnet18_dyn": BATCH_CONFIG_ON.format(delay=a.queue_delay_us),
                "resnet18_nodyn": BATCH_CONFIG_OFF}
    for m, cfg in variants.items():
        place(src, os.path.join(repo, m, "1", "model.onnx"))
        with open(os.path.join(repo, m, "config.yaml"), "w") as f:
            f.write(cfg)
    arr = np.random.default_rng(7).random((1, 3, 224, 224), dtype=np.float32)
    body, hl = binary_infer_body("input", arr, "output")
    body_file = os.path.join(work, "resnet18.bin")
    with open(body_file, "wb") as f:
        f.write(body)

    data = {m: [] for m in variants}
    inproc = {1: [], 8: []}
    server = None
    try:
        server = Berth(a.berth, repo, list(variants), work, "berth_batching", intra_op=2)
        c = RawHttp(server.http_port)
        for m in variants:
            st, _, rep = c.roundtrip(http_request_bytes(f"/v2/models/{m}/infer", body, hl))
            if st != 200:
                raise RuntimeError(f"{m}: {st} {rep[:300]!r}")
        c.close()
        for m in variants:  # warm-up
            run_wrk(server.http_port, f"/v2/models/{m}/infer", 8, 2, body_file, work,
                    json_header=hl, content_type="application/octet-stream")
        names = list(variants)
        for r in range(a.rounds):
            for m in (names if r % 2 == 0 else names[::-1]):
                before = model_stats(server.http_port, m)
                res = run_wrk(server.http_port, f"/v2/models/{m}/infer", 8, a.batch_duration,
                              body_file, work, json_header=hl,
                              content_type="application/octet-stream")
                after = model_stats(server.http_port, m)
                if before and after and after[1] > before[1]:
                    res["mean_batch"] = (after[0] - before[0]) / (after[1] - before[1])
                else:
                    res["mean_batch"] = float("nan")
                data[m].append(res)
                print(f"round {r + 1} {m:15} {res['req_per_s']:7.1f} inf/s  p50 "
                      f"{res['p50_us'] / 1e3:7.1f} ms  p99 {res['p99_us'] / 1e3:7.1f} ms  "
                      f"mean batch {res['mean_batch']:.2f}  errors {sum(res['errors'].values())}",
                      flush=True)
            for b in (1, 8):  # the engine alone, for what batching can buy at most
                js = berth_bench(a.berth, src, iterations=max(5, 40 // b), batch=b, warmup=3)
                inproc[b].append(1e3 * b / js["p50_ms"])
                print(f"round {r + 1} in-process batch {b}: p50 {js['p50_ms']:.1f} ms, "
                      f"{inproc[b][-1]:.1f} inf/s", flush=True)
    finally:
        if server is not None:
            server.stop()

    summary = {}
    print("\n| resnet18, 8 connections | inferences/s | p50 ms | p99 ms | mean batch |")
    print("|---|---|---|---|---|")
    for m in variants:
        rps = med([x["req_per_s"] for x in data[m]])
        summary[m] = {"req_per_s": rps, "p50_ms": med([x["p50_us"] for x in data[m]]) / 1e3,
                      "p99_ms": med([x["p99_us"] for x in data[m]]) / 1e3,
                      "mean_batch": med([x["mean_batch"] for x in data[m]])}
        s = summary[m]
        print(f"| {m} | {rps:.1f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {s['mean_batch']:.2f} |")
    for b in (1, 8):
        summary[f"in-process batch {b}"] = med(inproc[b])
        print(f"| in-process `berth bench --batch {b}` (1e3*batch/p50) | {med(inproc[b]):.1f} | | | |")
    on, off = summary["resnet18_dyn"]["req_per_s"], summary["resnet18_nodyn"]["req_per_s"]
    print(f"\ndynamic batching on/off: {on / off:.2f}x")
    results["batching"] = {"medians": summary, "rounds": data, "in_process": inproc}


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--berth", default=os.path.join(ROOT, "build", "bin", "berth"))
    ap.add_argument("--models", default=os.path.join(ROOT, "bench", "models"))
    ap.add_argument("--shared", default=os.environ.get("BERTH_SHARED", os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--only", default="protocol,overhead,batching")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=4, help="seconds per wrk run (protocol)")
    ap.add_argument("--batch-duration", type=int, default=8, help="seconds per wrk run (batching)")
    ap.add_argument("--queue-delay-us", type=int, default=2000)
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--access-log-ab", action="store_true",
                    help="protocol: berth with the access log on (buffered; written by the I/O "
                         "thread) and off (one HTTP thread each) instead of --http-threads 1 "
                         "and 2")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for berth servers, e.g. OMP_WAIT_POLICY=PASSIVE")
    ap.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                    help="extra `berth serve` argument, e.g. --server-arg=--inline-run-max-us=0")
    ap.add_argument("--metrics-ab", action="store_true",
                    help="protocol: also run berth h1 with --no-metrics, interleaved with the "
                         "others (the cost of metrics)")
    ap.add_argument("--overhead-models", default=",".join(OVERHEAD_MODELS),
                    help="the models of the overhead benchmark (of: mlp, resnet50)")
    a = ap.parse_args()
    global SERVER_ENV, SERVER_ARGS
    SERVER_ARGS = list(a.server_arg)
    for m in list(OVERHEAD_MODELS):
        if m not in a.overhead_models.split(","):
            del OVERHEAD_MODELS[m]
    if a.server_env:
        SERVER_ENV = dict(os.environ)
        for kv in a.server_env:
            k, _, v = kv.partition("=")
            SERVER_ENV[k] = v
    a.berth = os.path.abspath(a.berth)
    a.models = os.path.abspath(a.models)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    only = set(a.only.split(","))
    use_grpc = grpc_available(a.berth)
    print(f"berth: {a.berth}; gRPC front end: {'yes' if use_grpc else 'no (--grpc-port absent)'}; "
          f"nproc {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}; server env "
          f"{' '.join(a.server_env) or '(inherited)'}; server args {' '.join(SERVER_ARGS) or '(none)'}",
          flush=True)
    results = {"grpc": use_grpc, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "loadavg_start": os.getloadavg()}
    work = tempfile.mkdtemp(prefix="berth-server-bench-")
    try:
        if "protocol" in only:
            bench_protocol(a, work, results)
        if "overhead" in only:
            bench_overhead(a, work, results, use_grpc)
        if "batching" in only:
            bench_batching(a, work, results)
    finally:
        stop_all()
        results["loadavg_end"] = os.getloadavg()
        if a.json_out:
            with open(a.json_out, "w") as f:
                json.dump(results, f, indent=1, default=str)
        if os.environ.get("BERTH_BENCH_KEEP"):
            print("work dir kept:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
