"""The registry through the CLI, on SQLite and PostgreSQL: push, versions, show, aliases,
history, rollback, rollouts, gc, and refusals that change nothing.

Run: BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/registry
(ctest runs this folder as `registry_cli`).
"""
import re

from conftest import add_relu_model, assert_error, assert_ok, run, sha256_file

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def push(registry, path, name="m", *extra):
    return assert_ok(registry.cli("push", path, "--name", name, *extra))


def test_push_prints_only_the_version_number(registry, model, tmp_path):
    assert push(registry, model) == "1\n"
    other = add_relu_model(tmp_path / "other.onnx", bias=1.0)
    assert push(registry, other) == "2\n"
    assert push(registry, model, "other-model") == "1\n"


def test_versions_json_describes_each_version(registry, model):
    push(registry, model, "m", "--description", "first", "--tag", "team=core",
         "--tag", "data=v1=x", "--metric", "accuracy=0.75", "--actor", "ann")
    push(registry, model, "m", "--parent", "1", "--derivation", "fine-tuned")
    versions = registry.json("versions", "m")
    assert [v["version"] for v in versions] == [1, 2]
    first, second = versions
    assert first["digest"] == sha256_file(model)
    assert first["size"] == len(open(model, "rb").read())
    assert RFC3339_UTC.match(first["created_at"]), first["created_at"]
    assert first["tags"] == {"team": "core", "data": "v1=x"}
    assert first["metrics"] == {"accuracy": 0.75}
    assert first["pushed_by"] == "ann"
    assert first["description"] == "first"
    assert first["parent"] is None
    assert second["parent"] == 1 and second["derivation"] == "fine-tuned"
    assert first["signature"]["inputs"] == [{"name": "x", "type": "float",
                                             "shape": ["batch", 4]}]
    table = assert_ok(registry.cli("versions", "m")).splitlines()
    assert table[0].split() == ["VERSION", "CREATED_AT", "SIZE", "DIGEST", "ALIASES",
                                "PUSHED_BY", "DESCRIPTION"]
    assert table[1].split()[0] == "1" and table[1].split()[3] == first["digest"][:12]


def test_actor_defaults_to_user(registry, model):
    import os
    env = dict(os.environ, USER="carol")
    assert_ok(registry.cli("push", model, "--name", "m", env=env))
    assert_ok(registry.cli("alias", "set", "m", "production", "1", env=env))
    assert_ok(registry.cli("push", model, "--name", "m", "--actor", "dave", env=env))
    assert [v["pushed_by"] for v in registry.json("versions", "m")] == ["carol", "dave"]
    assert registry.json("history", "m")[0]["actor"] == "carol"


def test_show_takes_a_number_or_an_alias(registry, model):
    push(registry, model)
    push(registry, model)
    assert_ok(registry.cli("alias", "set", "m", "production", "1"))
    shown = registry.json("show", "m@production")
    assert shown["version"] == 1 and shown["aliases"] == ["production"]
    assert registry.json("show", "m@2")["aliases"] == []
    text = assert_ok(registry.cli("show", "m@1"))
    assert re.search(r"^digest:\s+sha256:[0-9a-f]{64}$", text, re.M), text
    assert_error(registry.cli("show", "m@3"), "model 'm' has no version 3")
    assert_error(registry.cli("show", "m@canary"), "model 'm' has no alias 'canary'")
    assert_error(registry.cli("show", "m@0"), "version '0' is not a positive integer")
    assert_error(registry.cli("show", "m"), "not NAME@REF")
    assert_error(registry.cli("show", "nope@1"), "model 'nope' is not in the registry")


def test_alias_history_and_rollback_round_trip(registry, model):
    for _ in range(3):
        push(registry, model)
    assert assert_ok(registry.cli("alias", "set", "m", "production", "1",
                                  "--reason", "launch")) == "production: - -> 1\n"
    assert_error(registry.cli("rollback", "m"), "no earlier version")
    assert assert_ok(registry.cli("alias", "set", "m", "production", "3")) == \
        "production: 1 -> 3\n"
    assert_ok(registry.cli("alias", "set", "m", "staging", "2"))
    assert assert_ok(registry.cli("rollback", "m", "--reason", "errors")) == \
        "production: 3 -> 1\n"
    aliases = registry.json("alias", "list", "m")
    assert [(a["alias"], a["version"]) for a in aliases] == [("production", 1), ("staging", 2)]
    assert all(RFC3339_UTC.match(a["updated_at"]) for a in aliases)

    history = registry.json("history", "m")
    moves = [(h["alias"], h["from_version"], h["to_version"], h["reason"]) for h in history]
    assert moves == [("production", None, 1, "launch"), ("production", 1, 3, ""),
                     ("staging", None, 2, ""), ("production", 3, 1, "errors")]
    assert [h["id"] for h in history] == sorted(h["id"] for h in history)
    # A rollback is a move like any other: rolling back again returns to 3.
    assert assert_ok(registry.cli("rollback", "m", "--alias", "production")) == \
        "production: 1 -> 3\n"
    assert_error(registry.cli("rollback", "m", "--alias", "canary"), "no alias 'canary'")
    table = assert_ok(registry.cli("history", "m")).splitlines()
    assert table[0].split() == ["ID", "AT", "ALIAS", "FROM", "TO", "ACTOR", "FORCED", "REASON"]
    assert len(table) == 6


def test_rollout_start_status_abort(registry, model):
    for _ in range(3):
        push(registry, model)
    assert_error(registry.cli("rollout", "start", "m", "--alias", "production",
                              "--candidate", "2"), "has no alias 'production'")
    assert_ok(registry.cli("alias", "set", "m", "production", "1"))
    started = assert_ok(registry.cli("rollout", "start", "m", "--alias", "production",
                                     "--candidate", "2", "--canary", "20", "--min-requests",
                                     "10", "--bake-secs", "5", "--max-error-rate", "0.05"))
    assert started.startswith("rollout ") and "candidate 2 against baseline 1" in started
    assert_error(registry.cli("rollout", "start", "m", "--alias", "production",
                              "--candidate", "3"), "already has an active rollout")
    assert_error(registry.cli("rollout", "start", "m", "--alias", "production",
                              "--candidate", "3", "--canary", "0"), "outside (0, 100]")
    [active] = registry.json("rollout", "status", "m")
    assert active["state"] == "active" and active["candidate"] == 2 and active["baseline"] == 1
    assert active["canary_percent"] == 20 and active["min_requests"] == 10
    assert active["shadow"] is False and active["ended_at"] is None
    assert_ok(registry.cli("rollout", "abort", "m", "--reason", "not now"))
    assert_error(registry.cli("rollout", "abort", "m"), "no active rollout")
    assert_ok(registry.cli("rollout", "start", "m", "--alias", "production",
                           "--candidate", "3", "--shadow"))
    rollouts = registry.json("rollout", "status", "m")
    assert [(r["state"], r["reason"]) for r in rollouts] == [("aborted", "not now"),
                                                             ("active", "")]
    assert rollouts[1]["shadow"] is True and RFC3339_UTC.match(rollouts[0]["ended_at"])
    assert registry.json("show", "m@production")["version"] == 1  # untouched by rollouts
    table = assert_ok(registry.cli("rollout", "status", "m")).splitlines()
    assert table[0].split()[:3] == ["ID", "ALIAS", "STATE"] and len(table) == 3


def test_bad_input_is_refused_and_changes_nothing(registry, model, tmp_path):
    push(registry, model)
    assert_ok(registry.cli("alias", "set", "m", "production", "1"))
    before = (registry.json("versions", "m"), registry.json("history", "m"), registry.blobs())
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model at all")
    cases = [
        (("push", model, "--name", "../escape"), "model name '../escape'"),
        (("push", model, "--name", "m", "--tag", "bad key=1"), "tag key 'bad key'"),
        (("push", model, "--name", "m", "--tag", "novalue"), "tag 'novalue' is not KEY=VALUE"),
        (("push", model, "--name", "m", "--metric", "acc=high"), "metric 'acc=high'"),
        (("push", model, "--name", "m", "--parent", "7"), "parent version 7"),
        (("push", str(junk), "--name", "m"), "cannot load model"),
        (("push", str(tmp_path / "missing.onnx"), "--name", "m"), "missing.onnx"),
        (("alias", "set", "m", "123", "1"), "alias '123' is a number"),
        (("alias", "set", "m", "a/b", "1"), "alias 'a/b'"),
        (("alias", "set", "m", "production", "9"), "has no version 9"),
        (("alias", "set", "m b", "production", "1"), "model name 'm b'"),
        (("versions", "bad/name"), "model name 'bad/name'"),
    ]
    for args, fragment in cases:
        assert_error(registry.cli(*args), fragment)
    assert (registry.json("versions", "m"), registry.json("history", "m"),
            registry.blobs()) == before
    assert registry.staging_files() == []


def test_usage_errors_exit_2(registry, model):
    assert_error(registry.cli("push", model), "--name", code=2)
    assert_error(registry.cli("alias", "set", "m", "production", "zero"), code=2)
    assert_error(registry.cli("rollout", "start", "m", "--candidate", "2"), "--alias", code=2)


def test_gc_removes_only_unreferenced_blobs(registry, model, tmp_path):
    push(registry, model)
    digest = registry.json("show", "m@1")["digest"]
    orphan = "0" * 64
    import os
    os.makedirs(os.path.dirname(registry.blob_path(orphan)), exist_ok=True)
    open(registry.blob_path(orphan), "wb").write(b"orphan")
    open(os.path.join(registry.artifacts, "staging", "blob-dead01"), "wb").write(b"partial")
    out = assert_ok(registry.cli("gc"))
    assert out == "removed 1 blob(s) and 1 staging file(s), 13 bytes\n"
    assert registry.blobs() == {digest}
    assert registry.staging_files() == []
    assert sha256_file(registry.blob_path(digest)) == digest


def test_history_at_a_time_answers_from_the_ledger(registry, model):
    import time
    for _ in range(2):
        push(registry, model)
    assert_ok(registry.cli("alias", "set", "m", "production", "1"))
    assert_ok(registry.cli("alias", "set", "m", "staging", "2"))
    time.sleep(0.01)
    assert_ok(registry.cli("alias", "set", "m", "production", "2"))
    moves = registry.json("history", "m", "--alias", "production")
    assert [m["to_version"] for m in moves] == [1, 2]
    first_at, second_at = moves[0]["at"], moves[1]["at"]
    assert assert_ok(registry.cli("history", "m", "--at", first_at)) == "1\n"
    assert assert_ok(registry.cli("history", "m", "--at", second_at)) == "2\n"
    assert registry.json("history", "m", "--alias", "staging", "--at", second_at) == {
        "model": "m", "alias": "staging", "at": second_at, "version": 2}
    assert_error(registry.cli("history", "m", "--at", "2000-01-01T00:00:00Z"),
                 "did not exist at 2000-01-01T00:00:00.000000Z")
    assert_error(registry.cli("history", "m", "--at", "yesterday"), "not an RFC 3339 time")


def test_registry_that_cannot_be_opened_is_a_clear_error(tmp_path, model):
    assert_error(run("versions", "m", "--registry", "mysql://db/x"),
                 "neither sqlite:PATH nor postgresql://")
    assert_error(run("versions", "m", "--registry", "postgresql://nobody@127.0.0.1:1/x",
                     "--artifacts", tmp_path / "blobs"), "cannot connect to postgresql")


def test_reading_a_missing_registry_creates_nothing(tmp_path, model):
    import os
    where = tmp_path / "typo"
    flags = ["--registry", f"sqlite:{where}/registry.db"]
    for args in (("versions", "m"), ("show", "m@1"), ("alias", "list", "m"),
                 ("alias", "set", "m", "production", "1"), ("history", "m"),
                 ("rollback", "m"), ("rollout", "status", "m")):
        assert_error(run(*args, *flags), f"no registry database at '{where}/registry.db'")
    assert not os.path.exists(where)
    assert assert_ok(run("push", model, "--name", "m", *flags)) == "1\n"  # a push creates it
    assert os.path.exists(where / "registry.db") and os.path.isdir(where / "blobs" / "sha256")


def test_newer_schema_is_refused(sqlite_registry, model):
    import sqlite3
    push(sqlite_registry, model)
    db = sqlite3.connect(sqlite_registry.uri[len("sqlite:"):])
    db.execute("UPDATE schema_version SET version = version + 1")
    db.commit()
    db.close()
    assert_error(sqlite_registry.cli("versions", "m"), "newer than this berth supports")
    assert_error(sqlite_registry.cli("push", model, "--name", "m"), "newer than this berth")
