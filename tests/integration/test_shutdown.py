"""Graceful shutdown: on SIGTERM / SIGINT with requests in flight, readiness turns false at
once, new connections are refused, every accepted request still gets its 200, exit code 0."""
import http.client
import signal
import socket
import threading

import numpy as np
import pytest

from conftest import tritonclient_or_skip, wait_for
import util

tritonclient_or_skip()
import tritonclient.grpc as grpcclient  # noqa: E402

HTTP_CLIENTS = 6
GRPC_CLIENTS = 2


def refused(port):
    """True when a new TCP connection to `port` is refused (or reset before any answer)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    except OSError:
        return False
    # Connected: an accepting server answers a request; one that refuses new connections
    # must not have accepted this one.
    try:
        s.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(64)
        return data == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    finally:
        s.close()


def connect_refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def slow_input(k):
    return np.array([[float(k)]], np.float32)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_drain_on_signal(server_factory, sig):
    s = server_factory(["slow", "identity_one"], args=["--exit-timeout-secs", 60])
    # A keep-alive connection opened before the signal, to ask readiness after it.
    probe = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=30)
    assert util.get(s.http_port, "/v2/health/ready", conn=probe).status == 200

    sent = threading.Semaphore(0)
    first_answer = threading.Event()
    results = {}

    def http_client(k):
        conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=120)
        body, headers = util.json_infer_body([("INPUT0", slow_input(k))])
        try:
            conn.request("POST", "/v2/models/slow/infer", body=body, headers=headers)
            sent.release()
            r = conn.getresponse()
            results[k] = util.Reply(r.status, {a.lower(): b for a, b in r.getheaders()},
                                    r.read())
        except Exception as e:  # noqa: BLE001
            results[k] = e
        finally:
            first_answer.set()
            conn.close()

    def grpc_client(k):
        c = grpcclient.InferenceServerClient(s.grpc_url)
        inp = grpcclient.InferInput("INPUT0", [1, 1], "FP32")
        inp.set_data_from_numpy(slow_input(k))
        done = threading.Event()
        box = {}

        def callback(result, error):
            box["r"], box["e"] = result, error
            done.set()

        try:
            c.async_infer("slow", [inp], callback, client_timeout=120)
            sent.release()
            done.wait(150)
            results[k] = box["e"] if box.get("e") is not None else box.get("r")
        except Exception as e:  # noqa: BLE001
            results[k] = e
        finally:
            first_answer.set()
            c.close()

    threads = [threading.Thread(target=http_client, args=(k,), daemon=True)
               for k in range(HTTP_CLIENTS)]
    threads += [threading.Thread(target=grpc_client, args=(HTTP_CLIENTS + k,), daemon=True)
                for k in range(GRPC_CLIENTS)]
    for t in threads:
        t.start()
    for _ in threads:
        assert sent.acquire(timeout=60), "a client could not send its request"
    # Once one answer came, the others have been on the wire for a whole model run.
    assert first_answer.wait(120), "no request was answered"
    in_flight = HTTP_CLIENTS + GRPC_CLIENTS - len(results)
    assert in_flight >= 2, f"only {in_flight} requests left in flight; the model is too fast"

    s.send_signal(sig)

    # New connections are refused while the accepted requests drain.
    wait_for(lambda: refused(s.http_port), 30, "new HTTP connections to be refused",
             interval=0.01)
    assert s.alive(), ("the server had already exited when new connections were first seen "
                       "refused, so the drain could not be observed")
    wait_for(lambda: connect_refused(s.grpc_port), 30, "new gRPC connections to be refused",
             interval=0.01)
    assert s.alive(), "the server had exited before its gRPC port was seen refusing"
    # Readiness: the connection opened before the signal must not hear "ready" any more
    # (a 503, or the idle connection closed by the server).
    try:
        r = util.get(s.http_port, "/v2/health/ready", conn=probe)
        assert r.status != 200, f"ready after {sig.name}: {r}"
    except (http.client.HTTPException, OSError):
        pass
    probe.close()

    for t in threads:
        t.join(180)
        assert not t.is_alive(), "a client hung"
    for k in range(HTTP_CLIENTS):
        r = results[k]
        assert isinstance(r, util.Reply), f"request {k}: {r!r}"
        assert r.status == 200, f"request {k}: {r}"
        util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], slow_input(k))
    for k in range(HTTP_CLIENTS, HTTP_CLIENTS + GRPC_CLIENTS):
        r = results[k]
        assert hasattr(r, "as_numpy"), f"gRPC request {k}: {r!r}"
        util.assert_same(r.as_numpy("OUTPUT0"), slow_input(k))
    rc = s.wait_exit()
    assert rc == 0, f"exit code {rc} after {sig.name}\n{s.stderr()[-3000:]}"


def test_idle_shutdown(server_factory):
    s = server_factory(["identity_one"])
    assert util.get(s.http_port, "/v2/health/ready").status == 200
    s.send_signal(signal.SIGTERM)
    assert s.wait_exit() == 0, s.stderr()[-3000:]
    assert connect_refused(s.http_port) and connect_refused(s.grpc_port)


def test_bad_arguments_exit_nonzero(tmp_path):
    """Not a shutdown, but the other way out: a repository that does not exist and an
    unknown option end the process with a non-zero code and a message, not a hang."""
    import subprocess
    for args in (["serve", "--model-repository", str(tmp_path / "missing"),
                  "--http-port", "0", "--grpc-port", "0"],
                 ["serve", "--model-repository", str(tmp_path), "--no-such-option"],
                 ["serve", "--model-repository", str(tmp_path), "--model-control-mode", "bogus"]):
        r = subprocess.run([util.BERTH, *args], capture_output=True, text=True, timeout=60)
        assert r.returncode > 0, (args, r.returncode, r.stderr)
        assert r.stderr.strip(), args


@pytest.mark.parametrize("taken", ["--http-port", "--grpc-port", "--admin-port"])
def test_a_taken_port_stops_the_start_at_once(tmp_path, taken):
    """Exit code 1 naming the listener, with the model repository (or registry) already
    loaded and its threads running: nothing may hang on the way out."""
    import subprocess
    import models
    models.write_version(tmp_path / "repo", "m", 1, models.add_constant(1))
    token = tmp_path / "token"
    token.write_text("a-long-enough-admin-token-0123456789\n")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        ports = {"--http-port": "0", "--grpc-port": "0", taken: port}
        args = [a for flag, value in ports.items() for a in (flag, value)]
        if taken == "--admin-port":
            registry = f"sqlite:{tmp_path / 'registry.db'}"
            subprocess.run([util.BERTH, "push", str(tmp_path / "repo" / "m" / "1" / "model.onnx"),
                            "--name", "m", "--registry", registry], check=True,
                           capture_output=True)
            source = ["--registry", registry, "--admin-token-file", str(token)]
        else:
            source = ["--model-repository", str(tmp_path / "repo")]
        proc = subprocess.run([util.BERTH, "serve", *source, *args], capture_output=True,
                              text=True, timeout=60)
    assert proc.returncode == 1, proc
    assert f":{port}" in proc.stderr and "cannot listen" in proc.stderr, proc.stderr
