"""The end-to-end test with a real Prometheus (issue 5): Debian's prometheus on loopback scrapes
a running `berth serve --registry` every second and loads deploy/prometheus/alerts.yml; after
known traffic and a known event, Prometheus's HTTP API must show the target up, the series
with the values sent, and every rule group loaded and evaluated without error.
"""
import os
import re

import numpy as np
import pytest

import conftest
import models
import util
from prometheus_server import server_or_skip
from test_registry_serving import Registry, RegistryServer
from webhook_receiver import WebhookReceiver

ALERTS = os.path.join(util.ROOT, "deploy", "prometheus", "alerts.yml")
SUCCESSES = 25   # requests to m@2 that succeed
REJECTED = 5     # requests to m@2 with a wrong datatype (rejected before running)
UNKNOWN = 40     # requests naming a model the server does not have


def groups_and_rules_in(path):
    """(group names, number of rules) of a rules file, read with a pattern (no YAML module in
    the venv; alerts.yml keeps one `- name:` per group and one `- alert:`/`- record:` per
    rule)."""
    with open(path) as f:
        text = f.read()
    groups = re.findall(r"^  - name: (\S+)$", text, re.M)
    rules = re.findall(r"^      - (?:alert|record): \S+$", text, re.M)
    return groups, len(rules)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A registry with m@1 and m@2 (production -> 1), a webhook receiver, berth serving the
    registry with webhooks, and Prometheus scraping it; the alias is then moved to 2 (one
    alias.moved event) and the known traffic sent."""
    root = tmp_path_factory.mktemp("prometheus_e2e")
    registry = Registry(root)
    registry.push(models.add_constant(1), "m")
    registry.push(models.add_constant(2), "m")
    registry.cli("alias", "set", "m", "production", 1)
    with WebhookReceiver() as receiver:
        server = RegistryServer(registry, root / "server.log",
                                ["--webhook-url", receiver.url(),
                                 "--webhook-allow-host", "127.0.0.1"])
        server.start()
        try:
            for prometheus in server_or_skip([server.http_url], [ALERTS]):
                registry.cli("alias", "set", "m", "production", 2)
                receiver.wait_for(lambda r: r.events(), 60)
                assert [e["type"] for e in receiver.events()] == ["alias.moved"]
                send_known_traffic(server)
                yield server, prometheus
        finally:
            server.assert_stopped_cleanly()


def send_known_traffic(server):
    x = np.array([1.0, 2.0], np.float32)
    for i in range(SUCCESSES):
        body, headers = util.json_infer_body([("INPUT0", x)], rid=f"ok{i}")
        r = util.request(server.http_port, "POST", "/v2/models/m/versions/2/infer", body=body,
                         headers=headers)
        assert r.status == 200, r
    for i in range(REJECTED):
        body, headers = util.json_infer_body([("INPUT0", np.array([1, 2], np.int64))],
                                             rid=f"bad{i}")
        r = util.request(server.http_port, "POST", "/v2/models/m/versions/2/infer", body=body,
                         headers=headers)
        assert r.status == 400, r
    for i in range(UNKNOWN):
        body, headers = util.json_infer_body([("INPUT0", x)], rid=f"unknown{i}")
        r = util.request(server.http_port, "POST", f"/v2/models/nosuch{i}/infer", body=body,
                         headers=headers)
        assert r.status == 404, r


def wait_for_value(prometheus, expr, expected, what):
    """Waits (bounded) until `expr` has the one value `expected` in Prometheus."""
    conftest.wait_for(lambda: prometheus.value(expr) == expected, 60,
                      f"{what}: {expr} == {expected}", interval=0.5,
                      on_fail=lambda: f" (last: {prometheus.query(expr)})")


def test_the_target_is_up_and_scraped(stack):
    server, prometheus = stack
    wait_for_value(prometheus, 'up{job="berth"}', 1.0, "the berth target")
    up = prometheus.targets_up()
    assert len(up) == 1, up
    assert up[0]["labels"]["job"] == "berth"
    assert up[0]["scrapeUrl"] == f"http://{server.http_url}/metrics", up[0]
    assert up[0]["lastError"] == ""


def test_webhook_deliveries_have_the_values_of_the_known_event(stack):
    _, prometheus = stack
    wait_for_value(prometheus, 'berth_webhook_deliveries_total{result="delivered"}', 1.0,
                   "the one alias.moved delivery")
    assert prometheus.value('berth_webhook_deliveries_total{result="failed"}') == 0
    assert prometheus.value('berth_webhook_deliveries_total{result="dropped"}') == 0
    assert prometheus.value('count(berth_webhook_deliveries_total)') == 3


def test_every_alert_rule_group_loads_and_evaluates_without_error(stack):
    _, prometheus = stack
    names, rules = groups_and_rules_in(ALERTS)
    assert names and rules, "no groups or rules found in alerts.yml"

    def evaluated():
        groups = prometheus.rule_groups()
        every = [r for g in groups for r in g["rules"]]
        return (len(every) == rules and all(r["health"] == "ok" for r in every)), groups

    conftest.wait_for(lambda: evaluated()[0], 60, "every rule evaluated once, healthy",
                      interval=0.5, on_fail=lambda: f"\n{evaluated()[1]}")
    groups = prometheus.rule_groups()
    assert sorted(g["name"] for g in groups) == sorted(names)
    for g in groups:
        assert g["file"] == ALERTS
        for r in g["rules"]:
            assert r.get("lastError", "") == "", r
    # A healthy server with healthy traffic fires nothing.
    assert prometheus.query('ALERTS{alertstate="firing"}') == []


def test_unknown_model_names_add_no_series(stack):
    _, prometheus = stack
    wait_for_value(prometheus, 'up{job="berth"}', 1.0, "the berth target")
    assert prometheus.query('{model=~"nosuch.*"}') == []


def test_request_counters_through_prometheus(stack):
    server, prometheus = stack
    ok = 'berth_requests_total{model="m",version="2",outcome="success"}'
    wait_for_value(prometheus, ok, float(SUCCESSES), "the successful requests")
    assert prometheus.value('berth_requests_total{model="m",version="2",outcome="rejected"}') \
        == REJECTED
    assert prometheus.value('sum(berth_requests_total{model="m",version="1"})') in (None, 0.0)
    assert prometheus.value(
        'sum(berth_request_duration_seconds_count{model="m",version="2"})') >= SUCCESSES
    assert prometheus.value('sum(berth_unrouted_requests_total)') == UNKNOWN
    assert prometheus.value('berth_unrouted_requests_total{reason="unknown_model"}') == UNKNOWN
    # The recording rules see the same traffic.
    conftest.wait_for(lambda: prometheus.query(
        'model_version:berth_requests:rate5m{model="m",version="2"}'), 60,
        "the request-rate recording rule", interval=0.5)


def test_process_series_through_prometheus(stack):
    server, prometheus = stack
    wait_for_value(prometheus, 'count(berth_build_info{job="berth"})', 1.0, "the build info")
    for name in ("berth_process_cpu_seconds_total", "berth_process_resident_memory_bytes",
                 "berth_process_open_fds", "berth_process_max_fds",
                 "berth_process_start_time_seconds", "berth_process_threads"):
        v = prometheus.value(f'{name}{{job="berth"}}')
        assert v is not None and v > 0, (name, v)
    assert prometheus.value('berth_process_open_fds{job="berth"}') <= \
        prometheus.value('berth_process_max_fds{job="berth"}')
