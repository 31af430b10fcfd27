"""Gates (protected aliases, contract C2) through the CLI, on SQLite and PostgreSQL: protect,
unprotect and list; alias set and rollout start refused with the reason and its figures;
--force --reason recorded in the ledger; rollback not gated; refusals change nothing.

Validation reports (contract C1) are written straight into the registry's database here, as
`berth validate` would store them, so that these tests need nothing but the registry.

Run: BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/registry/test_gates_cli.py
"""
import json
import sqlite3
import subprocess
import time

from conftest import assert_error, assert_ok

PUT_DOCUMENT = """
INSERT INTO version_documents (version_id, kind, body, created_by, created_at)
SELECT v.id, 'validation', {body}, 'test', {at} FROM versions v
JOIN models m ON m.id = v.model_id WHERE m.name = {name} AND v.number = {version}
ON CONFLICT (version_id, kind) DO UPDATE SET body = excluded.body
"""


def report(passed, top1=None, p99=None):
    """A validation report in contract C1's format."""
    return json.dumps({
        "format": "berth.validation/1",
        "model": {"ref": "m@1", "name": "m", "version": 1, "sha256": "0" * 64},
        "against": None, "passed": passed, "created_at": "2026-12-07T04:00:00Z",
        "options": {"batch": 1, "threads": 1, "min_accuracy": None, "max_p99_ms": None},
        "checks": [{"name": "accuracy", "status": "passed" if passed else "failed",
                    "message": "" if passed else "top-1 0.31 is below 0.9", "figures": {}}],
        "accuracy": None if top1 is None else {"task": "classification", "rows": 360,
                                               "top1": top1, "top5": 1.0},
        "latency": None if p99 is None else {"batch": 1, "threads": 1, "p50_ms": 0.1,
                                             "p99_ms": p99, "throughput_per_s": 9000}})


def put_report(registry, version, body, name="m"):
    at = int(time.time() * 1e6)
    if registry.backend == "sqlite":
        db = sqlite3.connect(registry.uri[len("sqlite:"):])
        db.execute(PUT_DOCUMENT.format(body="?", at=at, name="?", version="?"),
                   (body, name, version))
        db.commit()
        db.close()
        return
    sql = PUT_DOCUMENT.format(body=":'body'", at=at, name=":'name'", version=int(version))
    subprocess.run(["psql", registry.uri, "-v", "ON_ERROR_STOP=1", "-v", f"body={body}",
                    "-v", f"name={name}", "-q", "-f", "-"], input=sql, text=True, check=True,
                   capture_output=True, timeout=60)


def push_versions(registry, model, n):
    for _ in range(n):
        assert_ok(registry.cli("push", model, "--name", "m"))


def state(registry):
    return (registry.json("alias", "list", "m"), registry.json("history", "m"),
            registry.json("rollout", "status", "m"), registry.json("alias", "protections", "m"))


def test_protect_list_show_and_unprotect(registry, model):
    push_versions(registry, model, 2)
    assert_ok(registry.cli("alias", "set", "m", "production", "1"))
    out = assert_ok(registry.cli("alias", "protect", "m", "production", "--require",
                                 "validation", "--min-accuracy", "0.9", "--max-p99-ms", "5",
                                 "--actor", "ann"))
    assert out == "production of m protected: validation, top-1 >= 0.9, p99 <= 5 ms\n"
    # An alias that points nowhere yet may be protected too.
    assert_ok(registry.cli("alias", "protect", "m", "staging", "--require", "validation"))
    table = assert_ok(registry.cli("alias", "list", "m")).splitlines()
    assert table[0].split() == ["ALIAS", "VERSION", "UPDATED_AT", "PROTECTION"]
    assert table[1].split()[:2] == ["production", "1"] and table[1].endswith("p99 <= 5 ms")
    assert table[2].split() == ["staging", "-", "-", "validation"]
    # alias list --json stays the alias objects; the protections have their own list.
    assert [a["alias"] for a in registry.json("alias", "list", "m")] == ["production"]
    guards = registry.json("alias", "protections", "m")
    assert [(g["alias"], g["require"], g["min_accuracy"], g["max_p99_ms"]) for g in guards] == \
        [("production", "validation", 0.9, 5), ("staging", "validation", None, None)]
    assert guards[0]["created_by"] == "ann"
    # show previews each gate for the version: 2 has a passing report, 1 none.
    put_report(registry, 2, report(True, 0.95, 1.0))
    shown = assert_ok(registry.cli("show", "m@2"))
    assert "\ngates:       production (validation, top-1 >= 0.9, p99 <= 5 ms): passes; " \
           "staging (validation): passes\n" in shown, shown
    shown = assert_ok(registry.cli("show", "m@1"))
    assert "staging (validation): refused: it has no validation report (berth validate m@1 " \
           "makes one)\n" in shown, shown

    assert assert_ok(registry.cli("alias", "unprotect", "m", "staging")) == \
        "staging of m unprotected\n"
    assert_error(registry.cli("alias", "unprotect", "m", "staging"),
                 "alias 'staging' of model 'm' is not protected")
    assert [g["alias"] for g in registry.json("alias", "protections", "m")] == ["production"]


def test_protect_refuses_bad_input_and_changes_nothing(registry, model):
    push_versions(registry, model, 1)
    before = state(registry)
    for args, fragment in [
            (("--require", "approval"), "unknown protection requirement 'approval'"),
            (("--require", "validation", "--min-accuracy", "90"), "outside [0, 1]"),
            (("--require", "validation", "--max-p99-ms", "-1"), "positive number")]:
        assert_error(registry.cli("alias", "protect", "m", "production", *args), fragment)
    assert_error(registry.cli("alias", "protect", "m", "42", "--require", "validation"),
                 "alias '42'")
    assert_error(registry.cli("alias", "protect", "nope", "production", "--require",
                              "validation"), "model 'nope' is not in the registry")
    assert_error(registry.cli("alias", "protect", "m", "production"), "--require", code=2)
    assert state(registry) == before


def test_the_gate_refuses_with_reasons_and_force_is_ledgered(registry, model):
    push_versions(registry, model, 5)
    assert_ok(registry.cli("alias", "set", "m", "production", "1"))
    assert_ok(registry.cli("alias", "protect", "m", "production", "--require", "validation",
                           "--min-accuracy", "0.9", "--max-p99-ms", "5"))
    put_report(registry, 3, report(False, 0.95, 1.0))
    put_report(registry, 4, report(True, 0.97, 12.5))
    put_report(registry, 5, report(True, 0.97, 2.0))
    before = state(registry)
    refused = "cannot go behind protected alias 'production'"
    assert_error(registry.cli("alias", "set", "m", "production", "2"),
                 "version 2 of model 'm'", refused, "no validation report")
    assert_error(registry.cli("alias", "set", "m", "production", "3"),
                 "version 3 of model 'm'", "did not pass", "top-1 0.31 is below 0.9")
    assert_error(registry.cli("alias", "set", "m", "production", "4"),
                 "version 4 of model 'm'", "p99 latency 12.5 ms is above the alias's budget of 5")
    assert_error(registry.cli("alias", "set", "m", "production", "2", "--force"),
                 "needs a reason")
    assert state(registry) == before

    out = assert_ok(registry.cli("alias", "set", "m", "production", "2", "--force",
                                 "--reason", "hotfix, checked by hand", "--actor", "bob"))
    assert out == "production: 1 -> 2 (forced past the gate)\n"
    assert assert_ok(registry.cli("alias", "set", "m", "production", "5")) == \
        "production: 2 -> 5\n"
    # Rollback is not gated: it returns to 2, which served before.
    assert assert_ok(registry.cli("rollback", "m")) == "production: 5 -> 2\n"
    history = registry.json("history", "m")
    assert [(h["to_version"], h["forced"], h["reason"]) for h in history] == [
        (1, False, ""), (2, True, "hotfix, checked by hand"), (5, False, ""),
        (2, False, "rollback")]
    table = assert_ok(registry.cli("history", "m")).splitlines()
    assert table[0].split() == ["ID", "AT", "ALIAS", "FROM", "TO", "ACTOR", "FORCED", "REASON"]
    assert table[2].split()[5:7] == ["bob", "yes"] and table[3].split()[6] == "-"
    # Another alias is not protected.
    assert_ok(registry.cli("alias", "set", "m", "staging", "3"))


def test_rollout_start_is_gated_and_a_forced_one_is_recorded(registry, model):
    push_versions(registry, model, 3)
    assert_ok(registry.cli("alias", "set", "m", "production", "1"))
    assert_ok(registry.cli("alias", "protect", "m", "production", "--require", "validation"))
    start = ("rollout", "start", "m", "--alias", "production", "--candidate", "2")
    assert_error(registry.cli(*start), "version 2 of model 'm'", "no validation report")
    assert_error(registry.cli(*start, "--force"), "needs a reason")
    assert registry.json("rollout", "status", "m") == []
    out = assert_ok(registry.cli(*start, "--force", "--reason", "1% canary is safe"))
    assert out.endswith("(forced past the gate)\n"), out
    [r] = registry.json("rollout", "status", "m")
    assert (r["forced"], r["force_reason"]) == (True, "1% canary is safe")
    table = assert_ok(registry.cli("rollout", "status", "m")).splitlines()
    assert table[0].split()[8] == "FORCED" and table[1].split()[8] == "yes"
    # Protecting an alias whose active rollout's candidate would fail is refused; this one
    # was forced, so the new protection stands.
    assert_ok(registry.cli("rollout", "abort", "m"))
    put_report(registry, 3, report(True))
    assert_ok(registry.cli("rollout", "start", "m", "--alias", "production", "--candidate", "3"))
    assert registry.json("rollout", "status", "m")[-1]["forced"] is False
