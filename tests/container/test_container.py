"""berth in a real container: podman with runc, as root, on a base image made with debootstrap.

The image is deploy/container/Containerfile's "prebuilt" target: the already-built berth
($BERTH_BIN, else build/bin/berth) with the libraries ldd lists, staged by
deploy/container/stage-runtime.sh, so that `make test` does not compile berth a second time.
The default target (the full multi-stage build) differs only in where the staged files come
from. The base image, localhost/berth-test-base:<release>, is debootstrapped once from the
Debian mirror apt uses and kept for later runs.
"""
import concurrent.futures
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import models  # noqa: E402

# runc, not crun (crun fails on this machine's cgroups); cgroupfs, as there is no systemd.
PODMAN = ["podman", "--runtime", "/usr/sbin/runc", "--cgroup-manager=cgroupfs"]
# The VM refuses runc setting the rlimits podman asks for by default (even the current ones);
# lower ones are fine. No systemd: the health check runs through `podman healthcheck run`.
RUN_FLAGS = ["--ulimit", "nofile=8192:8192", "--ulimit", "nproc=4096:4096",
             "--health-interval=disable"]
IMAGE = "localhost/berth-container-test:latest"
CONTAINER = "berth-container-test"
READY_TIMEOUT = 60.0
IN_FLIGHT = 12  # requests to the slow model (~190 ms each, one at a time): ~2.3 s of work


def podman(*args, check=True, timeout=300):
    done = subprocess.run(PODMAN + list(args), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return done


def os_release():
    with open("/etc/os-release") as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def apt_mirror():
    """The Debian mirror apt uses (deb822 .sources or sources.list), else deb.debian.org."""
    paths = ["/etc/apt/sources.list"]
    folder = "/etc/apt/sources.list.d"
    if os.path.isdir(folder):
        paths += [os.path.join(folder, n) for n in sorted(os.listdir(folder))]
    for path in paths:
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            text = f.read()
        for m in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text, re.M):
            if "security" not in m.group(1):
                return m.group(1)
    return "http://deb.debian.org/debian"


@pytest.fixture(scope="module")
def base_image(tmp_path_factory):
    """A minimal base image of this machine's Debian release (berth's libraries match it)."""
    if os.geteuid() != 0:
        pytest.skip("rootful podman needs root (CI runs as root)")
    release = os_release().get("VERSION_CODENAME", "bookworm")
    name = f"localhost/berth-test-base:{release}"
    if podman("image", "exists", name, check=False).returncode == 0:
        return name
    root = tmp_path_factory.mktemp("debootstrap") / "root"
    done = subprocess.run(["debootstrap", "--variant=minbase", release, str(root), apt_mirror()],
                          capture_output=True, text=True, timeout=480)
    assert done.returncode == 0, f"debootstrap failed: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    imported = subprocess.run(PODMAN + ["import", "-", name], stdin=tar.stdout,
                              capture_output=True, text=True, timeout=300)
    tar.stdout.close()
    assert tar.wait() == 0 and imported.returncode == 0, f"podman import: {imported.stderr}"
    shutil.rmtree(root, ignore_errors=True)
    return name


@pytest.fixture(scope="module")
def image(base_image, tmp_path_factory):
    binary = os.environ.get("BERTH_BIN", os.path.join(ROOT, "build", "bin", "berth"))
    assert os.access(binary, os.X_OK), f"no berth binary at {binary}: build it first"
    context = tmp_path_factory.mktemp("context")
    subprocess.run([os.path.join(ROOT, "deploy", "container", "stage-runtime.sh"), binary,
                    str(context / "staged")], check=True)
    podman("build", "--format", "docker", "--target", "prebuilt",
           "--build-arg", f"BASE={base_image}", "-t", IMAGE,
           "-f", os.path.join(ROOT, "deploy", "container", "Containerfile"), str(context))
    yield IMAGE
    podman("rmi", "-f", IMAGE, check=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except OSError:
        return None


@pytest.fixture(scope="module")
def server(image, tmp_path_factory):
    """The container, models on a read-only volume, HTTP published on a loopback port."""
    repo = tmp_path_factory.mktemp("models")
    models.build_repository(str(repo), ["simple", "slow"])
    for dirpath, dirnames, filenames in os.walk(repo):  # readable by the image's user 10001
        os.chmod(dirpath, 0o755)
        for n in filenames:
            os.chmod(os.path.join(dirpath, n), 0o644)
    port = free_port()
    podman("rm", "-f", CONTAINER, check=False)
    podman("run", "-d", "--name", CONTAINER, "--read-only", *RUN_FLAGS,
           "-v", f"{repo}:/models:ro", "-p", f"127.0.0.1:{port}:8000",
           # Through the environment, as a user of the image would (serve's BERTH_* names).
           "-e", "BERTH_EXIT_TIMEOUT_SECS=20", "-e", "BERTH_LOG_FORMAT=text", image)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT
    while http_status(url + "/v2/health/ready") != 200:
        if time.monotonic() > deadline:
            logs = podman("logs", CONTAINER, check=False)
            pytest.fail(f"not ready after {READY_TIMEOUT:.0f} s: {logs.stdout}{logs.stderr}")
        time.sleep(0.1)
    yield url
    podman("rm", "-f", CONTAINER, check=False)


def infer(url, model, inputs, timeout=30):
    body = {"inputs": [{"name": n, "shape": list(a.shape), "datatype": "FP32",
                        "data": a.flatten().tolist()} for n, a in inputs.items()]}
    req = urllib.request.Request(f"{url}/v2/models/{model}/infer", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return {o["name"]: np.array(o["data"], np.float32) for o in json.load(r)["outputs"]}


def test_infers_through_the_published_port(server):
    a = np.arange(16, dtype=np.float32).reshape(1, 16)
    b = np.full((1, 16), 2.0, np.float32)
    out = infer(server, "simple", {"INPUT0": a, "INPUT1": b})
    np.testing.assert_array_equal(out["OUTPUT0"], (a + b).flatten())
    np.testing.assert_array_equal(out["OUTPUT1"], (a - b).flatten())


def test_tritonclient_infers(server):
    httpclient = pytest.importorskip("tritonclient.http")
    client = httpclient.InferenceServerClient(server.removeprefix("http://"))
    a = np.ones((2, 16), np.float32)
    inputs = [httpclient.InferInput("INPUT0", [2, 16], "FP32"),
              httpclient.InferInput("INPUT1", [2, 16], "FP32")]
    inputs[0].set_data_from_numpy(a)
    inputs[1].set_data_from_numpy(a * 3)
    result = client.infer("simple", inputs)
    np.testing.assert_array_equal(result.as_numpy("OUTPUT0"), a * 4)


def test_runs_as_non_root_on_a_read_only_root(server):
    assert podman("exec", CONTAINER, "id", "-u").stdout.strip() == "10001"
    assert podman("exec", CONTAINER, "id", "-un").stdout.strip() == "berth"
    inspect = json.loads(podman("inspect", CONTAINER).stdout)[0]
    assert inspect["HostConfig"]["ReadonlyRootfs"] is True
    denied = podman("exec", CONTAINER, "touch", "/usr/local/bin/x", check=False)
    assert denied.returncode != 0 and "Read-only file system" in denied.stderr
    # The state folder is a volume the user owns.
    assert podman("exec", CONTAINER, "touch", "/var/lib/berth/probe", check=False).returncode == 0


def test_image_declares_stop_signal_health_check_and_entrypoint(image):
    inspect = json.loads(podman("image", "inspect", image).stdout)[0]
    config = inspect["Config"]
    assert config["StopSignal"] in ("SIGTERM", "15")
    assert config["Entrypoint"] == ["/usr/local/bin/berth", "serve"]
    assert config["User"] == "10001:10001"
    assert "BERTH_HOST=0.0.0.0" in config["Env"]
    # podman reports the docker-format health check beside Config.
    check = config.get("Healthcheck") or inspect["Healthcheck"]
    assert check["Test"] == ["CMD", "/usr/local/bin/berth-healthcheck"]


def test_health_check_passes(server):
    done = podman("healthcheck", "run", CONTAINER, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # And fails when nothing answers on the port it probes.
    bad = podman("exec", "-e", "BERTH_HTTP_PORT=1", CONTAINER, "/usr/local/bin/berth-healthcheck",
                 check=False)
    assert bad.returncode == 1


def test_image_size_is_reported(image):
    size = int(json.loads(podman("image", "inspect", image).stdout)[0]["Size"])
    base = int(json.loads(podman("image", "inspect", f"localhost/berth-test-base:"
                                 f"{os_release().get('VERSION_CODENAME', 'bookworm')}")
                          .stdout)[0]["Size"])
    print(f"\nimage {size / 1e6:.0f} MB (base {base / 1e6:.0f} MB, berth's layer "
          f"{(size - base) / 1e6:.0f} MB)")
    assert size - base < 200e6


def test_stop_with_requests_in_flight(server):
    """Last: `podman stop` sends SIGTERM; every request in flight completes; exit code 0."""
    x = np.array([[1.5]], np.float32)
    infer(server, "slow", {"INPUT0": x})  # loaded and warm
    with concurrent.futures.ThreadPoolExecutor(IN_FLIGHT) as pool:
        futures = [pool.submit(infer, server, "slow", {"INPUT0": x * (i + 1)})
                   for i in range(IN_FLIGHT)]
        time.sleep(0.3)
        assert not all(f.done() for f in futures), "the requests finished before the stop"
        stop = podman("stop", "-t", "40", CONTAINER, timeout=60)
        results = [f.result(timeout=60) for f in futures]
    for i, out in enumerate(results):
        np.testing.assert_array_equal(out["OUTPUT0"], (x * (i + 1)).flatten())
    state = json.loads(podman("inspect", CONTAINER).stdout)[0]["State"]
    assert state["ExitCode"] == 0, state
    logs = podman("logs", CONTAINER).stdout + podman("logs", CONTAINER).stderr
    m = re.search(r"SIGTERM: shutting down, (\d+) requests in flight", logs)
    assert m and int(m.group(1)) > 0, logs[-2000:]
    assert "stopped" in logs
    # BERTH_LOG_FORMAT=text (run -e) and BERTH_HOST=0.0.0.0 (the image's ENV) took effect.
    assert re.search(r"^\S+ info berth \S+ serving '/models': HTTP on 0\.0\.0\.0:8000", logs, re.M)
    assert stop.returncode == 0
