"""deploy/prometheus/alerts.yml and deploy/grafana/berth.json: promtool accepts the rules and
their unit tests (alerts_test.yml) pass; the dashboard is valid JSON, templated on its data
source, model and version; every berth_ metric the rules and the dashboard query is documented
in docs/METRICS.md, and every recording rule the dashboard uses is defined in alerts.yml.

promtool comes from Debian's prometheus package: without it the promtool cases skip, unless
CI=true (then they fail)."""
import json
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")
RULE_TESTS = os.path.join(ROOT, "deploy", "prometheus", "alerts_test.yml")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "berth.json")
METRICS_DOC = os.path.join(ROOT, "docs", "METRICS.md")
PROMTOOL = os.environ.get("PROMTOOL_BIN", "/usr/bin/promtool")

# Names inside PromQL that are functions, keywords or our label names, not metrics.
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def read(path):
    with open(path) as f:
        return f.read()


def promtool(*args):
    if not os.access(PROMTOOL, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PROMTOOL} is not installed (CI=true): install Debian's prometheus")
        pytest.skip(f"{PROMTOOL} is not installed (Debian's prometheus package)")
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120,
                          cwd=os.path.dirname(RULES))


def rule_exprs():
    """The expr of every rule in alerts.yml (block scalars and one-liners)."""
    exprs, lines = [], read(RULES).splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s+)expr: ?(.*)$", line)
        if not m:
            continue
        if m.group(2) not in ("|", ">"):
            exprs.append(m.group(2))
            continue
        indent, body = len(m.group(1)), []
        for nxt in lines[i + 1:]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            body.append(nxt)
        exprs.append("\n".join(body))
    return exprs


def recording_rules():
    return set(re.findall(r"^\s+- record: (\S+)$", read(RULES), re.M))


def dashboard_exprs(doc):
    exprs = []

    def walk(panels):
        for p in panels:
            exprs.extend(t["expr"] for t in p.get("targets", []))
            walk(p.get("panels", []))

    walk(doc["panels"])
    for v in doc["templating"]["list"]:
        if v["type"] == "query":
            exprs.append(v["query"]["query"] if isinstance(v["query"], dict) else v["query"])
    return exprs


def names_in(expr):
    """Metric and recording-rule names in a PromQL expression: identifiers outside strings,
    label matchers and grouping clauses, that start with berth_ or hold a colon."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)             # string literals
    expr = re.sub(r"\{[^}]*\}", "", expr)                        # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)                       # ranges
    return {n for n in IDENTIFIER.findall(expr) if n.startswith("berth_") or ":" in n}


def documented_metrics():
    return set(re.findall(r"\bberth_[a-z0-9_]+", read(METRICS_DOC)))


def undocumented(names, documented, recorded):
    missing = set()
    for n in names:
        if ":" in n:
            if n not in recorded:
                missing.add(f"{n} (no such recording rule in alerts.yml)")
            continue
        if n in documented:
            continue
        base = next((n[:-len(s)] for s in HISTOGRAM_SUFFIXES if n.endswith(s)), None)
        if base is None or base not in documented:
            missing.add(n)
    return sorted(missing)


def test_names_in_finds_metrics_and_rules_only():
    expr = ('histogram_quantile(0.99, sum by (le, model) (rate(berth_x_bucket{model=~"a|b",'
            'le="+Inf"}[5m]))) / on (model) group_left model_version:berth_y:rate5m'
            ' and berth_z offset 1h')
    assert names_in(expr) == {"berth_x_bucket", "model_version:berth_y:rate5m", "berth_z"}
    assert undocumented({"berth_x_bucket", "berth_z", "a:b"}, {"berth_x"}, {"c:d"}) == \
        ["a:b (no such recording rule in alerts.yml)", "berth_z"]


def test_promtool_accepts_the_rules():
    out = promtool("check", "rules", RULES)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout, out.stdout


def test_the_rules_unit_tests_pass():
    out = promtool("test", "rules", RULE_TESTS)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_alert_names_its_severity_and_has_a_duration_and_annotations():
    text = read(RULES)
    alerts = re.split(r"^      - alert: ", text, flags=re.M)[1:]
    assert len(alerts) >= 6
    for a in alerts:
        name = a.split("\n", 1)[0]
        assert re.search(r"^        for: \d+[smh]$", a, re.M), name
        assert re.search(r"^          severity: (warning|critical)$", a, re.M), name
        assert re.search(r"^          summary: ", a, re.M), name
        assert re.search(r"^          description: ", a, re.M), name


def test_rules_query_only_documented_metrics():
    names = set().union(*(names_in(e) for e in rule_exprs()))
    assert "berth_requests_total" in names and "berth_drift_psi" in names, names
    missing = undocumented(names, documented_metrics(), recording_rules())
    assert missing == [], "not documented in docs/METRICS.md: " + ", ".join(missing)


def test_the_dashboard_is_templated_json():
    doc = json.loads(read(DASHBOARD))
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for name in ("model", "version"):
        assert variables[name]["query"]["query"].startswith("label_values("), variables[name]
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for p in doc["panels"]:
        if p["type"] == "row":
            continue
        assert p["title"] and p["targets"], p
        assert p["datasource"]["uid"] == "${datasource}", p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}", p["title"]
    titles = " ".join(p["title"] for p in doc["panels"]).lower()
    for topic in ("outcome", "p99", "queue", "compute", "batch", "in flight", "bytes",
                  "memory", "load failures", "rollout", "drift", "accuracy", "cpu",
                  "resident memory", "file descriptors"):
        assert topic in titles, f"no panel about {topic}"


def test_the_dashboard_queries_only_documented_metrics():
    doc = json.loads(read(DASHBOARD))
    names = set().union(*(names_in(e) for e in dashboard_exprs(doc)))
    assert len(names) > 20, names
    missing = undocumented(names, documented_metrics(), recording_rules())
    assert missing == [], "not documented in docs/METRICS.md: " + ", ".join(missing)
