"""The management API (`berth serve --registry ... --admin-port 0 --admin-token-file F`) and
the CLI's --admin-url (issue 4). Models are pushed with the real CLI into a SQLite registry in
tmp_path; the server is the real binary on free loopback ports; the admin port is read from
its log line."""
import json
import re
import socket
import subprocess

import pytest

import conftest
import models
import util
from test_registry_serving import Registry, RegistryServer, infer, wait_until_served

TOKEN = "admin-secret-0123456789"


class AdminServer(RegistryServer):
    def __init__(self, registry, log_path, token_file):
        super().__init__(registry, log_path,
                         ["--admin-port", "0", "--admin-token-file", token_file])
        self.admin_port = None

    def start(self, wait="ready"):
        super().start(wait)
        found = conftest.wait_for(
            lambda: re.search(r"management API on 127\.0\.0\.1:(\d+)", self.stderr()), 30,
            "the management API's log line", on_fail=self._describe)
        self.admin_port = int(found.group(1))
        return self

    @property
    def admin_url(self):
        return f"http://127.0.0.1:{self.admin_port}"

    def call(self, method, path, body=None, token=TOKEN, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        return util.request(self.admin_port, method, path, body=body, headers=h)


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "admin.token"
    path.write_text(TOKEN + "\n")
    return path


@pytest.fixture
def setup(tmp_path, token_file):
    """A registry with m@1 (+1) and m@2 (+2), production -> 1, and a server with the API."""
    registry = Registry(tmp_path)
    for delta in (1, 2):
        registry.push(models.add_constant(delta), "m")
    registry.cli("alias", "set", "m", "production", 1, "--reason", "first")
    server = AdminServer(registry, tmp_path / "server.log", token_file)
    server.start()
    yield registry, server
    if server.returncode is None:
        server.assert_stopped_cleanly()


def state(registry):
    """Everything an API call could change, as the direct CLI prints it."""
    return [registry.cli(*args, "--json").stdout for args in
            (("alias", "list", "m"), ("history", "m"), ("rollout", "status", "m"),
             ("versions", "m"), ("alias", "protections", "m"))]


def test_every_call_without_the_token_is_401_and_changes_nothing(setup):
    registry, server = setup
    before = state(registry)
    calls = [("GET", "/v1/models", None), ("GET", "/v1/models/m/versions", None),
             ("PUT", "/v1/models/m/aliases/production", {"version": 2}),
             ("POST", "/v1/models/m/rollback", {}),
             ("POST", "/v1/models/m/rollouts", {"candidate": 2}),
             ("PUT", "/v1/models/m/protections/production", {"require": "validation"}),
             ("DELETE", "/v1/models/m/protections/production", None),
             ("GET", "/no/such/route", None), ("DELETE", "/v1/models", None)]
    for token in (None, "wrong", TOKEN + "x", ""):
        for method, path, body in calls:
            r = server.call(method, path, body, token=token)
            assert r.status == 401, (token, method, path, r)
            assert r.headers.get("www-authenticate") == "Bearer", r.headers
            assert r.error, r
    # The token without "Bearer " is refused too.
    r = server.call("GET", "/v1/models", token=None, headers={"Authorization": TOKEN})
    assert r.status == 401
    assert state(registry) == before


def test_every_route_answers_as_the_cli_prints(setup):
    registry, server = setup
    def get(path):
        r = server.call("GET", path)
        assert r.status == 200, (path, r)
        return r.json()

    def cli_json(*args):
        return json.loads(registry.cli(*args, "--json").stdout)

    assert get("/v1/models") == ["m"]
    assert get("/v1/models/m/versions") == cli_json("versions", "m")
    assert get("/v1/models/m/versions/2") == cli_json("show", "m@2")
    assert get("/v1/models/m/versions/production") == cli_json("show", "m@production")
    assert get("/v1/models/m/aliases") == cli_json("alias", "list", "m")
    assert infer(server, "m", [5.0])[1] == 1

    # An alias move through the API: recorded with the actor and reason given, then served.
    r = server.call("PUT", "/v1/models/m/aliases/production",
                    {"version": 2, "reason": "better", "actor": "ann"})
    assert r.status == 200, r
    moved = r.json()
    assert (moved["from_version"], moved["to_version"], moved["actor"], moved["reason"]) == \
        (1, 2, "ann", "better")
    wait_until_served(server, "m", 2, "production -> 2 (moved through the API) to be served")
    assert get("/v1/models/m/history") == cli_json("history", "m")
    assert get("/v1/models/m/history?alias=production")[-1] == moved
    assert get("/v1/models/m/history?alias=staging") == []

    r = server.call("POST", "/v1/models/m/rollback", {"alias": "production"})
    assert r.status == 200, r
    back = r.json()
    assert (back["from_version"], back["to_version"], back["actor"]) == (2, 1, "admin-api")
    wait_until_served(server, "m", 1, "the rollback through the API to be served")
    at = back["at"]
    assert get(f"/v1/models/m/history?alias=production&at={at}")["version"] == 1

    # Rollouts: start (bake long enough that the server does not decide it), list, abort.
    r = server.call("POST", "/v1/models/m/rollouts",
                    {"alias": "production", "candidate": 2, "canary_percent": 25,
                     "min_requests": 1000000, "bake_secs": 3600})
    assert r.status == 200, r
    started = r.json()
    assert (started["state"], started["baseline"], started["candidate"]) == ("active", 1, 2)
    assert started["canary_percent"] == 25
    assert get("/v1/models/m/rollouts") == cli_json("rollout", "status", "m")
    r = server.call("POST", "/v1/models/m/rollouts/abort", {"alias": "production",
                                                            "reason": "enough"})
    assert r.status == 200, r
    assert (r.json()["state"], r.json()["reason"]) == ("aborted", "enough")
    assert get("/v1/models/m/rollouts") == cli_json("rollout", "status", "m")


def test_bad_requests_are_refused_by_name_and_change_nothing(setup):
    registry, server = setup
    before = state(registry)
    cases = [
        ("PUT", "/v1/models/m/aliases/production", b'{"version": 2', 400, "JSON"),
        ("PUT", "/v1/models/m/aliases/production", b'[2]', 400, "object"),
        ("PUT", "/v1/models/m/aliases/production", {"version": "2"}, 400, "version"),
        ("PUT", "/v1/models/m/aliases/production", {"version": 2, "colour": 1}, 400, "colour"),
        ("PUT", "/v1/models/m/aliases/production", {"version": 9}, 404, "9"),
        ("PUT", "/v1/models/m/aliases/12", {"version": 2}, 400, "12"),
        ("PUT", "/v1/models/bad%20name/aliases/production", {"version": 2}, 400, "bad"),
        ("PUT", "/v1/models/nope/aliases/production", {"version": 1}, 404, "nope"),
        ("GET", "/v1/models/nope/versions", None, 404, "nope"),
        ("GET", "/v1/models/m/versions/7", None, 404, "7"),
        ("GET", "/v1/models/m/versions/staging", None, 404, "staging"),
        ("GET", "/v1/models/m/history?at=yesterday", None, 400, "at"),
        ("GET", "/v1/models/m/history?colour=red", None, 400, "colour"),
        ("POST", "/v1/models/m/rollback", {"alias": "canary"}, 404, "canary"),
        ("POST", "/v1/models/m/rollouts", {"candidate": 0}, 400, "candidate"),
        ("POST", "/v1/models/m/rollouts", {"candidate": 2, "canary_percent": 300}, 400,
         "canary"),
        ("POST", "/v1/models/m/rollouts/abort", {}, 404, "production"),
        ("GET", "/v1/models/m/nothing", None, 404, "endpoint"),
        ("GET", "/v2/models", None, 404, "endpoint"),
    ]
    for method, path, body, status, naming in cases:
        r = server.call(method, path, body)
        assert r.status == status, (method, path, body, r)
        assert naming in r.error, (method, path, body, r.error)
    r = server.call("DELETE", "/v1/models/m/rollouts")
    assert r.status == 405 and r.headers["allow"] == "GET, POST", r
    # A body past 1 MiB is refused before it is read (401 first without the token); one
    # sent anyway is drained, so the client sees the answer.
    assert util.announce(server.admin_port, "/v1/models/m/rollback", 2 << 20) == 401
    r = server.call("PUT", "/v1/models/m/aliases/production", b"x" * (2 << 20))
    assert r.status == 413, r
    r = server.call("PUT", "/v1/models/m/aliases/production", b"x" * (2 << 20), token="bad")
    assert r.status == 401, r
    assert state(registry) == before
    assert infer(server, "m", [0.0])[1] == 1


def cli(registry, server, token_file, *args, remote):
    extra = (["--admin-url", server.admin_url, "--admin-token-file", token_file] if remote
             else ["--registry", registry.uri])
    return subprocess.run([util.BERTH, *map(str, args), *map(str, extra)],
                          capture_output=True, text=True, timeout=120)


def cli_both_ways(registry, server, token_file, *args):
    """Runs the CLI on the database, then through the API: both print the same."""
    direct = cli(registry, server, token_file, *args, remote=False)
    remote = cli(registry, server, token_file, *args, remote=True)
    assert (remote.returncode, remote.stdout, remote.stderr) == \
        (direct.returncode, direct.stdout, direct.stderr), args
    return remote


def test_cli_with_admin_url_prints_what_the_direct_cli_prints(setup, token_file):
    registry, server = setup

    def both(*args):
        return cli_both_ways(registry, server, token_file, *args)

    # Moves through the API, recorded with the CLI's actor, as the direct path would.
    r = cli(registry, server, token_file, "alias", "set", "m", "staging", 2, "--reason", "try",
            "--actor", "carol", remote=True)
    assert (r.returncode, r.stdout) == (0, "staging: - -> 2\n"), r
    r = cli(registry, server, token_file, "rollout", "start", "m", "--alias", "production",
            "--candidate", 2, "--canary", 10, "--bake-secs", 3600, "--min-requests", 1000000,
            remote=True)
    assert r.returncode == 0 and "candidate 2 against baseline 1" in r.stdout, r

    for args in (("versions", "m"), ("show", "m@staging"), ("show", "m@1"),
                 ("alias", "list", "m"), ("history", "m"), ("history", "m", "--alias", "staging"),
                 ("rollout", "status", "m")):
        both(*args, "--json")
        both(*args)
    assert json.loads(both("history", "m", "--json").stdout)[-1]["actor"] == "carol"
    at = json.loads(both("history", "m", "--json").stdout)[-1]["at"]
    assert both("history", "m", "--alias", "staging", "--at", at).stdout == "2\n"
    # Errors read the same too.
    for args in (("versions", "nope"), ("show", "m@9"), ("show", "m@staging2"),
                 ("history", "m", "--alias", "staging", "--at", "2000-01-01T00:00:00Z")):
        assert both(*args).returncode == 1

    r = cli(registry, server, token_file, "rollout", "abort", "m", remote=True)
    assert r.returncode == 0 and r.stdout.startswith("rollout "), r
    r = cli(registry, server, token_file, "rollback", "m", "--alias", "staging", remote=True)
    assert r.returncode == 1 and "staging" in r.stderr, r

    # A wrong token is refused by the server, and said so.
    bad = token_file.parent / "bad.token"
    bad.write_text("nope\n")
    r = subprocess.run([util.BERTH, "versions", "m", "--admin-url", server.admin_url,
                        "--admin-token-file", bad], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "token" in r.stderr.lower(), r
    r = subprocess.run([util.BERTH, "versions", "m", "--admin-url", server.admin_url],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "--admin-token-file" in r.stderr, r


def test_serve_refuses_an_admin_port_without_a_token(tmp_path):
    registry = Registry(tmp_path)
    registry.push(models.add_constant(1), "m")
    for extra in ([], ["--admin-token-file", tmp_path / "missing.token"]):
        r = subprocess.run([util.BERTH, "serve", "--registry", registry.uri, "--http-port", "0",
                            "--grpc-port", "0", "--admin-port", "0", *map(str, extra)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0, r
        assert "token" in r.stderr.lower(), r


def test_serve_names_an_admin_port_it_cannot_bind(tmp_path, token_file):
    registry = Registry(tmp_path)
    registry.push(models.add_constant(1), "m")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([util.BERTH, "serve", "--registry", registry.uri, "--http-port", "0",
                            "--grpc-port", "0", "--admin-port", str(port),
                            "--admin-token-file", str(token_file)],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r
    assert f"cannot listen for admin API on 127.0.0.1:{port}" in r.stderr, r


def test_gates_through_the_api_read_as_the_direct_cli(setup, token_file):
    """Protections over the management API: the same answers and refusals as the database."""
    registry, server = setup

    def both(*args):
        return cli_both_ways(registry, server, token_file, *args)

    r = cli(registry, server, token_file, "alias", "protect", "m", "production", "--require",
            "validation", "--min-accuracy", 0.9, "--actor", "ann", remote=True)
    assert (r.returncode, r.stdout) == (0, "production of m protected: validation, "
                                           "top-1 >= 0.9\n"), r
    r = server.call("GET", "/v1/models/m/protections")
    assert r.status == 200 and r.json()[0]["created_by"] == "ann", r
    assert r.json() == json.loads(both("alias", "protections", "m", "--json").stdout)
    for args in (("alias", "list", "m"), ("alias", "protections", "m"), ("show", "m@2")):
        both(*args)
    # Version 2 has no validation report: refused the same way on both paths.
    refused = both("alias", "set", "m", "production", 2)
    assert refused.returncode == 1 and "no validation report" in refused.stderr, refused
    refused = both("rollout", "start", "m", "--alias", "production", "--candidate", 2)
    assert refused.returncode == 1 and "version 2 of model 'm'" in refused.stderr, refused
    r = server.call("PUT", "/v1/models/m/aliases/production", {"version": 2, "force": True})
    assert r.status == 400 and "reason" in r.error, r
    r = cli(registry, server, token_file, "alias", "set", "m", "production", 2, "--force",
            "--reason", "known good", remote=True)
    assert (r.returncode, r.stdout) == (0, "production: 1 -> 2 (forced past the gate)\n"), r
    wait_until_served(server, "m", 2, "the forced move to be served")
    assert json.loads(both("history", "m", "--json").stdout)[-1]["forced"] is True
    r = cli(registry, server, token_file, "alias", "unprotect", "m", "production", remote=True)
    assert (r.returncode, r.stdout) == (0, "production of m unprotected\n"), r
    assert both("alias", "unprotect", "m", "production").returncode == 1

    # A validation report: `show` prints its checks over the API as from the database.
    r = subprocess.run([util.BERTH, "validate", "m@2", "--iterations", "20", "--largest-batch", "4",
                        "--registry", registry.uri], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r
    shown = both("show", "m@2").stdout
    assert "validation: passed" in shown and "  latency: passed: " in shown, shown
    r = server.call("GET", "/v1/models/m/versions/2/documents/validation")
    assert r.status == 200, r
    assert json.loads(r.json()["body"])["model"]["version"] == 2, r.json()
    assert server.call("GET", "/v1/models/m/versions/1/documents/validation").status == 404
