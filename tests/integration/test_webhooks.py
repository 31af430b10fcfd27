"""Webhooks (issue 5): `berth serve --registry ... --webhook-url` POSTs rollout and alias
events to a real HTTP receiver on loopback, signed with the shared secret; hosts off the allow
list refuse to start; a redirect is a failed delivery and is never followed."""
import hmac
import json
import re
import subprocess
from datetime import datetime

import pytest

import conftest
import models
import util
# `serve` is that module's fixture (servers on the `registry` fixture below, stopped cleanly).
from test_registry_serving import Registry, failing_sometimes, run_rollout, serve  # noqa: F401
from webhook_receiver import WebhookReceiver, self_signed_certificate, signature

SECRET = "correct horse battery staple"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path)


def webhook_flags(receiver, tmp_path, path="/hook"):
    secret_file = tmp_path / "webhook-secret"
    secret_file.write_text(SECRET + "\n")
    return ["--webhook-url", receiver.url(path), "--webhook-allow-host", "127.0.0.1",
            "--webhook-secret-file", secret_file]


def deliveries(server, result):
    """berth_webhook_deliveries_total{result=...} from the server's /metrics."""
    return util.metric(util.scrape(server.http_port), "berth_webhook_deliveries_total",
                       result=result)


def of_type(receiver, kind):
    return [e for e in receiver.events() if e["type"] == kind]


def test_a_rolled_back_rollout_and_an_alias_move_reach_the_receiver_signed(
        registry, serve, tmp_path):
    registry.push(models.add_constant(1), "m")
    registry.push(failing_sometimes(), "m")
    registry.cli("alias", "set", "m", "production", 1)
    with WebhookReceiver() as receiver:
        s = serve(webhook_flags(receiver, tmp_path))
        inputs = [10.5] + [3.0] * 9  # 10.5 makes the candidate fail
        record, _ = run_rollout(registry, s, "m", inputs,
                                ["--canary", 50, "--max-error-rate", 0.02, "--min-requests", 60,
                                 "--bake-secs", 600])
        assert record["state"] == "rolled_back", record
        receiver.wait_for(lambda r: of_type(r, "rollout.rolled_back"), 30)
        registry.cli("alias", "set", "m", "production", 2, "--reason", "by hand")
        receiver.wait_for(lambda r: of_type(r, "alias.moved"), 30)
        requests = list(receiver.requests)

    started, = of_type(receiver, "rollout.started")
    rolled_back, = of_type(receiver, "rollout.rolled_back")
    moved, = of_type(receiver, "alias.moved")
    for e in (started, rolled_back):
        assert (e["model"], e["alias"], e["version"]) == ("m", "production", 2), e
        assert e["details"]["rollout_id"] == str(record["id"]), e
        assert e["details"]["baseline_version"] == "1", e
        assert e["details"]["mode"] == "canary" and e["details"]["canary_percent"] == "50", e
    assert "error rate" in rolled_back["reason"], rolled_back
    assert rolled_back["reason"] == record["reason"], (rolled_back, record)
    assert (moved["model"], moved["alias"], moved["version"]) == ("m", "production", 2), moved
    assert moved["details"] == {"from_version": "1", "to_version": "2"}, moved
    times = []
    for e in (started, rolled_back, moved):
        assert RFC3339.match(e["at"]), e
        times.append(datetime.strptime(e["at"], "%Y-%m-%dT%H:%M:%S.%fZ"))
    assert times == sorted(times), times
    # Every request: the path, JSON, the event type header, and a valid signature.
    assert len(requests) == 3, [r[2] for r in requests]
    for path, headers, body in requests:
        assert path == "/hook"
        assert headers["content-type"] == "application/json"
        assert headers["x-berth-event"] in ("rollout.started", "rollout.rolled_back",
                                            "alias.moved")
        assert hmac.compare_digest(headers["x-berth-signature-256"], signature(SECRET, body))
        assert not hmac.compare_digest(headers["x-berth-signature-256"],
                                       signature(SECRET + "x", body))
    assert deliveries(s, "delivered") == 3
    assert deliveries(s, "failed") == 0


def run_serve(args, timeout=60):
    return subprocess.run([util.BERTH, "serve", "--model-repository", "/nonexistent",
                           "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0",
                           *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("allow", [[], ["127.0.0.1"], ["hooks.example.com.evil"]])
def test_a_host_off_the_allow_list_refuses_to_start(allow):
    # The host that is never allowed comes first: the error names the first URL refused.
    flags = ["--webhook-url", "https://hooks.example.com/berth", "--webhook-url",
             "http://127.0.0.1:9/ok"]
    for host in allow:
        flags += ["--webhook-allow-host", host]
    out = run_serve(flags)
    assert out.returncode != 0
    assert "'hooks.example.com' is not on the allow list" in out.stderr, out.stderr


def test_bad_webhook_flags_refuse_to_start(tmp_path):
    out = run_serve(["--webhook-url", "ftp://127.0.0.1/x", "--webhook-allow-host", "127.0.0.1"])
    assert out.returncode != 0 and "only http:// and https://" in out.stderr, out.stderr
    empty = tmp_path / "empty-secret"
    empty.write_text("\n")
    out = run_serve(["--webhook-url", "http://127.0.0.1:9/", "--webhook-allow-host",
                     "127.0.0.1", "--webhook-secret-file", empty])
    assert out.returncode != 0 and "empty-secret' is empty" in out.stderr, out.stderr


def test_a_redirect_is_a_failed_delivery_and_is_not_followed(registry, serve, tmp_path):
    registry.push(models.add_constant(1), "m")
    registry.push(models.add_constant(2), "m")
    registry.cli("alias", "set", "m", "production", 1)
    with WebhookReceiver(statuses={"/hook": 302}, redirect_to="/moved") as receiver:
        s = serve(webhook_flags(receiver, tmp_path))
        registry.cli("alias", "set", "m", "production", 2)
        conftest.wait_for(lambda: deliveries(s, "failed") >= 1, 60,
                          "the redirected delivery to count as failed")
        paths = [p for p, _, _ in receiver.requests]
    assert paths == ["/hook"], paths  # one attempt, no retry, Location never visited
    assert deliveries(s, "delivered") == 0
    assert "redirect: not followed" in s.stderr(), s.stderr()[-3000:]


@pytest.mark.parametrize("case", ["trusted", "system_store", "wrong_name"])
def test_https_receivers_are_verified(registry, serve, tmp_path, case):
    """https: delivered when the receiver's certificate chains to --webhook-ca-file and names
    the host; refused (a failed delivery, nothing received) when the system's CA store does not
    know it, or when it names another host."""
    names = ["DNS:other.example"] if case == "wrong_name" else ["IP:127.0.0.1"]
    cert, key = self_signed_certificate(tmp_path, names)
    registry.push(models.add_constant(1), "m")
    registry.push(models.add_constant(2), "m")
    registry.cli("alias", "set", "m", "production", 1)
    with WebhookReceiver(tls=(cert, key)) as receiver:
        flags = webhook_flags(receiver, tmp_path)
        if case != "system_store":
            flags += ["--webhook-ca-file", cert]
        s = serve(flags)
        registry.cli("alias", "set", "m", "production", 2)
        conftest.wait_for(lambda: deliveries(s, "delivered") + deliveries(s, "failed") >= 1, 60,
                          "the https delivery to end")
        requests = list(receiver.requests)
    if case == "trusted":
        assert deliveries(s, "delivered") == 1
        (path, headers, body), = requests
        assert json.loads(body)["type"] == "alias.moved"
        assert hmac.compare_digest(headers["x-berth-signature-256"], signature(SECRET, body))
    else:
        assert deliveries(s, "failed") == 1 and requests == [], requests
        assert "TLS handshake" in s.stderr(), s.stderr()[-3000:]
