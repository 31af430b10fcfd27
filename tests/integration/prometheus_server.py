"""A throwaway Prometheus server for the tests: Debian's /usr/bin/prometheus on a free loopback
port, with a temporary config and storage folder, stopped and removed afterwards.

    with PrometheusServer(targets=["127.0.0.1:8000"], rule_files=[".../alerts.yml"]) as p:
        p.wait_for_scrapes(2)
        p.query('berth_requests_total{model="m"}')   # -> the API's result list

The scrape job is named "berth" (the name deploy/prometheus/alerts.yml expects); targets
are scraped and rules evaluated every second. `server_or_skip(...)` skips the calling test
when Prometheus is not installed, unless CI=true (then it fails).
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

PROMETHEUS = os.environ.get("PROMETHEUS_BIN", "/usr/bin/prometheus")
START_TIMEOUT = 60.0  # seconds Prometheus may take to become ready (a bound, not a check)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed():
    return os.access(PROMETHEUS, os.X_OK)


class PrometheusServer:
    def __init__(self, targets, rule_files=(), scrape_interval="1s", job="berth"):
        self.targets = list(targets)
        self.rule_files = [os.path.abspath(r) for r in rule_files]
        self.scrape_interval = scrape_interval
        self.job = job
        self.dir = None
        self.proc = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _config(self):
        # JSON is YAML: no YAML writer needed.
        return json.dumps({
            "global": {"scrape_interval": self.scrape_interval,
                       "evaluation_interval": self.scrape_interval,
                       "scrape_timeout": self.scrape_interval},
            "rule_files": self.rule_files,
            "scrape_configs": [{"job_name": self.job,
                                "static_configs": [{"targets": self.targets}]}],
        }, indent=2)

    def log(self):
        try:
            with open(os.path.join(self.dir, "prometheus.log"), errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def start(self):
        """Starts Prometheus and waits until it is ready; raises RuntimeError (with its log)
        if it does not come up."""
        self.dir = tempfile.mkdtemp(prefix="berth-prometheus-", dir="/tmp")
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(self._config())
        for attempt in range(3):
            self.port = free_port()
            with open(os.path.join(self.dir, "prometheus.log"), "ab") as log:
                self.proc = subprocess.Popen(
                    [PROMETHEUS, f"--config.file={config}",
                     f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                     f"--web.listen-address=127.0.0.1:{self.port}",
                     "--storage.tsdb.retention.time=1h", "--log.level=warn"],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._wait_ready():
                return self
            self._kill()
            if "address already in use" not in self.log() or attempt == 2:
                break
        log = self.log()[-4000:]
        self.stop()
        raise RuntimeError(f"prometheus did not become ready:\n{log}")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=5) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self):
        self._kill()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # The HTTP API ------------------------------------------------------------------------

    def api(self, path, **params):
        """GET /api/v1/<path> with `params`; returns the "data" member (raises on an error
        status)."""
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=30) as r:
            doc = json.loads(r.read())
        if doc.get("status") != "success":
            raise RuntimeError(f"prometheus /api/v1/{path}: {doc}")
        return doc["data"]

    def query(self, expr):
        """An instant query: the result list ([{"metric": {...}, "value": [t, "v"]}, ...])."""
        return self.api("query", query=expr)["result"]

    def value(self, expr):
        """The single sample's value of `expr` as a float, or None when it has no sample."""
        result = self.query(expr)
        if not result:
            return None
        if len(result) != 1:
            raise AssertionError(f"{expr} gave {len(result)} series: {result}")
        return float(result[0]["value"][1])

    def targets_up(self):
        return [t for t in self.api("targets")["activeTargets"] if t["health"] == "up"]

    def rule_groups(self):
        return self.api("rules")["groups"]

    def scrapes(self):
        """How many times the job's targets were scraped so far (count of `up` samples)."""
        v = self.value(f'sum(count_over_time(up{{job="{self.job}"}}[1h]))')
        return int(v or 0)


def in_ci():
    return os.environ.get("CI") == "true"


def server_or_skip(targets, rule_files=()):
    """Yields a started PrometheusServer; skips the test when Prometheus is not installed (or
    does not start) outside CI; with CI=true that fails. For fixtures:
    `yield from server_or_skip(...)`."""
    import pytest
    if not installed():
        if in_ci():
            pytest.fail(f"{PROMETHEUS} is not installed (CI=true): install Debian's prometheus")
        pytest.skip(f"{PROMETHEUS} is not installed (Debian's prometheus package); "
                    "set CI=true to make this a failure")
    try:
        server = PrometheusServer(targets, rule_files).start()
    except (RuntimeError, OSError) as e:
        if in_ci():
            pytest.fail(f"Prometheus did not start (CI=true): {e}")
        pytest.skip(f"Prometheus did not start: {e}")
    try:
        yield server
    finally:
        server.stop()
