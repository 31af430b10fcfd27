"""Checks of deploy/helm/berth and deploy/kubernetes without a cluster.

helm (built from the Go module proxy by scripts/setup) lints and renders the chart; every
rendered object is validated strictly against the Kubernetes 1.37 API schemas shipped in the
kubernetes-validate wheel (its "-strict" schemas forbid fields the API types do not have), and the
ServiceMonitor against the CRD schema generated from the Prometheus Operator's Go types
(schemas/, see scripts/gen-crd-schemas) with unknown fields forbidden the same way. Negative
tests prove a misspelled field fails.
"""

import copy
import pathlib
import re
import shutil
import subprocess

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "berth"
MANIFESTS = ROOT / "deploy" / "kubernetes"
SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"
K8S_VERSION = "1.37.0"
HELM = shutil.which("helm") or "/usr/local/bin/helm"


def helm(*args, check=True):
    return subprocess.run([HELM, *args], capture_output=True, text=True, timeout=60, check=check)


def render(*sets):
    args = ["template", "berth", str(CHART), "--kube-version", K8S_VERSION]
    for s in sets:
        args += ["--set", s]
    out = helm(*args).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def by_kind(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


# --- strict validation -------------------------------------------------------------------------

def _forbid_unknown(schema):
    """A CRD structural schema with additionalProperties: false wherever it lists properties."""
    if isinstance(schema, list):
        return [_forbid_unknown(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _forbid_unknown(v) for k, v in schema.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def _crd_validators():
    validators = {}
    for path in sorted(SCHEMAS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for v in crd["spec"]["versions"]:
            schema = _forbid_unknown(v["schema"]["openAPIV3Schema"])
            validators[(f"{group}/{v['name']}", kind)] = jsonschema.Draft7Validator(schema)
    return validators


CRDS = _crd_validators()


def validate_strict(obj):
    """Raises when obj is not a valid object of its kind (unknown fields included)."""
    key = (obj["apiVersion"], obj["kind"])
    if key in CRDS:
        errors = sorted(CRDS[key].iter_errors(obj), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            raise ValueError(f"{obj['kind']} {'.'.join(map(str, e.path))}: {e.message}")
        # The CRD schema leaves metadata open; hold it to ObjectMeta like any built-in kind.
        meta = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj["metadata"]}
        kubernetes_validate.validate(meta, K8S_VERSION, strict=True)
        return
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_crd_schemas_present():
    assert ("monitoring.coreos.com/v1", "ServiceMonitor") in CRDS


# --- helm lint / template ----------------------------------------------------------------------

def test_helm_lint():
    r = helm("lint", "--strict", str(CHART), check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_helm_lint_with_every_option():
    r = helm("lint", "--strict", str(CHART), "--set", "registry.existingSecret=",
             "--set", "registry.uri=postgresql://berth:pw@db:5432/berth",
             "--set", "adminToken.existingSecret=", "--set", "adminToken.token=t0k3n",
             "--set", "service.exposeAdmin=true", check=False)
    assert r.returncode == 0, r.stdout + r.stderr


VARIANTS = {
    "defaults": [],
    "secrets-created-admin-exposed": [
        "registry.existingSecret=", "registry.uri=postgresql://berth:pw@db:5432/berth",
        "adminToken.existingSecret=", "adminToken.token=t0k3n", "service.exposeAdmin=true",
        "artifacts.storageClassName=nfs"],
    "no-autoscaling-no-admin": [
        "autoscaling.enabled=false", "server.adminPort=null", "podDisruptionBudget.enabled=false",
        "serviceMonitor.enabled=false", "artifacts.existingClaim=shared-artifacts"],
    "openmp-active-spin-count": ["openmp.waitPolicy=ACTIVE", "openmp.spinCount=300000"],
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_rendered_object_is_strictly_valid(variant):
    docs = render(*VARIANTS[variant])
    assert docs
    for d in docs:
        validate_strict(d)


def test_default_render_has_every_kind():
    kinds = sorted(d["kind"] for d in render())
    assert kinds == sorted(["Deployment", "Service", "HorizontalPodAutoscaler",
                            "PodDisruptionBudget", "PersistentVolumeClaim", "ServiceMonitor"])


def test_plain_manifests_are_up_to_date(tmp_path):
    subprocess.run([str(ROOT / "scripts" / "render-kubernetes"), str(tmp_path)], check=True,
                   capture_output=True, timeout=60)
    want = {p.name: p.read_text() for p in tmp_path.glob("*.yaml")}
    have = {p.name: p.read_text() for p in MANIFESTS.glob("*.yaml")}
    assert sorted(have) == sorted(want), "run scripts/render-kubernetes"
    for name in want:
        assert have[name] == want[name], f"deploy/kubernetes/{name} is stale: run scripts/render-kubernetes"


def test_plain_manifests_are_strictly_valid():
    files = sorted(MANIFESTS.glob("*.yaml"))
    assert files
    for f in files:
        for d in yaml.safe_load_all(f.read_text()):
            if d:
                validate_strict(d)


# --- negative tests: a misspelled or unknown field must fail -----------------------------------

def _container(d):
    return d["spec"]["template"]["spec"]["containers"][0]


MISSPELLINGS = {
    "deployment-top": ("Deployment", lambda d: d["spec"].__setitem__("replica", 3)),
    "deployment-probe": ("Deployment", lambda d: _container(d)["readinessProbe"]["httpGet"]
                         .__setitem__("paht", "/v2/health/ready")),
    "deployment-prestop": ("Deployment", lambda d: _container(d)["lifecycle"]["preStop"]["sleep"]
                           .__setitem__("second", 5)),
    "deployment-grace": ("Deployment", lambda d: d["spec"]["template"]["spec"]
                         .__setitem__("terminationGracePeriodSecond", 45)),
    "deployment-metadata": ("Deployment", lambda d: d["metadata"].__setitem__("lables", {})),
    "service-port": ("Service", lambda d: d["spec"]["ports"][0].__setitem__("targetPrt", "http")),
    "hpa-metric": ("HorizontalPodAutoscaler", lambda d: d["spec"]["metrics"][1]["pods"]["target"]
                   .__setitem__("averageValu", "4")),
    "pdb": ("PodDisruptionBudget", lambda d: d["spec"].__setitem__("maxUnavailble", 1)),
    "pvc": ("PersistentVolumeClaim", lambda d: d["spec"].__setitem__("accesModes", [])),
    "servicemonitor-endpoint": ("ServiceMonitor", lambda d: d["spec"]["endpoints"][0]
                                .__setitem__("intervall", "15s")),
    "servicemonitor-spec": ("ServiceMonitor", lambda d: d["spec"].__setitem__("selectr", {})),
    "servicemonitor-metadata": ("ServiceMonitor", lambda d: d["metadata"]
                                .__setitem__("namespce", "x")),
}


@pytest.mark.parametrize("case", sorted(MISSPELLINGS))
def test_misspelled_field_fails(case):
    kind, mutate = MISSPELLINGS[case]
    good = by_kind(render(), kind)
    validate_strict(good)
    bad = copy.deepcopy(good)
    mutate(bad)
    added = set(_keys(bad)) - set(_keys(good))
    assert len(added) == 1
    with pytest.raises(Exception, match=rf"'{added.pop().rsplit('.', 1)[-1]}' was unexpected"):
        validate_strict(bad)


def _keys(obj, prefix=""):
    """Every key path of a nested object ("spec.ports.0.name")."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + k
            yield from _keys(v, prefix + k + ".")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _keys(v, f"{prefix}{i}.")


def test_wrong_type_fails():
    d = copy.deepcopy(by_kind(render(), "Deployment"))
    d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = "long"
    with pytest.raises(Exception):
        validate_strict(d)


# --- what the objects say ----------------------------------------------------------------------

def _args(d):
    args = _container(d)["args"]
    return {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}


def test_probes_hit_the_servers_health_routes():
    routes = (ROOT / "src" / "server" / "http" / "router_test.cc").read_text()
    c = _container(by_kind(render(), "Deployment"))
    for probe, path in [("startupProbe", "/v2/health/ready"), ("readinessProbe", "/v2/health/ready"),
                        ("livenessProbe", "/v2/health/live")]:
        assert c[probe]["httpGet"] == {"path": path, "port": "http"}
        assert f'"GET", "{path}"' in routes
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports["http"] == int(_args(by_kind(render(), "Deployment"))["--http-port"])


def test_grace_period_outlasts_prestop_and_exit_timeout():
    d = by_kind(render(), "Deployment")
    grace = d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    pause = _container(d)["lifecycle"]["preStop"]["sleep"]["seconds"]
    exit_timeout = float(_args(d)["--exit-timeout-secs"])
    assert pause > 0
    assert grace > pause + exit_timeout


def test_chart_refuses_a_grace_period_too_short():
    r = helm("template", "berth", str(CHART), "--kube-version", K8S_VERSION,
             "--set", "terminationGracePeriodSeconds=30",
             check=False)
    assert r.returncode != 0
    assert "terminationGracePeriodSeconds (30) must exceed" in r.stderr


def test_openmp_threads_wait_passively_unless_told_otherwise():
    env = {e["name"]: e.get("value") for e in _container(by_kind(render(), "Deployment"))["env"]}
    assert env["OMP_WAIT_POLICY"] == "PASSIVE" and "GOMP_SPINCOUNT" not in env
    d = by_kind(render("openmp.waitPolicy=ACTIVE", "openmp.spinCount=300000"), "Deployment")
    env = {e["name"]: e.get("value") for e in _container(d)["env"]}
    assert (env["OMP_WAIT_POLICY"], env["GOMP_SPINCOUNT"]) == ("ACTIVE", "300000")
    r = helm("template", "berth", str(CHART), "--kube-version", K8S_VERSION,
             "--set", "openmp.waitPolicy=fast", check=False)
    assert r.returncode != 0
    assert "openmp.waitPolicy must be PASSIVE or ACTIVE, not fast" in r.stderr


def test_every_serve_flag_exists():
    src = (ROOT / "tools" / "berth" / "serve_command.cc").read_text()
    for flag in _args(by_kind(render(), "Deployment")):
        assert f'"{flag}"' in src, flag
    assert '"--exit-timeout-secs"' in src and '"--admin-token-file"' in src


def test_registry_uri_and_admin_token_come_from_secrets():
    d = by_kind(render(), "Deployment")
    c = _container(d)
    args = _args(d)
    assert args["--registry"] == "$(BERTH_REGISTRY_URI)"
    env = {e["name"]: e for e in c["env"]}
    ref = env["BERTH_REGISTRY_URI"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "berth-registry", "key": "uri"}
    vols = {v["name"]: v for v in d["spec"]["template"]["spec"]["volumes"]}
    assert vols["admin-token"]["secret"]["secretName"] == "berth-admin-token"
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert args["--admin-token-file"] == mounts["admin-token"] + "/token"
    # A chart-made Secret carries what the values give.
    docs = render("registry.existingSecret=", "registry.uri=postgresql://u:p@db/berth",
                  "adminToken.existingSecret=", "adminToken.token=abc")
    secrets = {s["metadata"]["name"]: s["stringData"] for s in docs if s["kind"] == "Secret"}
    assert secrets == {"berth-registry": {"uri": "postgresql://u:p@db/berth"},
                       "berth-admin-token": {"token": "abc"}}


def test_artifacts_on_a_shared_volume():
    docs = render()
    d = by_kind(docs, "Deployment")
    pvc = by_kind(docs, "PersistentVolumeClaim")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    vols = {v["name"]: v for v in d["spec"]["template"]["spec"]["volumes"]}
    assert vols["artifacts"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    mounts = {m["name"]: m["mountPath"] for m in _container(d)["volumeMounts"]}
    assert _args(d)["--artifacts"] == mounts["artifacts"]


def test_resources_and_security():
    c = _container(by_kind(render(), "Deployment"))
    assert set(c["resources"]) == {"requests", "limits"}
    assert c["securityContext"]["readOnlyRootFilesystem"] is True


def test_hpa_scales_on_cpu_and_the_documented_queue_depth_gauge():
    hpa = by_kind(render(), "HorizontalPodAutoscaler")
    types = {m["type"]: m for m in hpa["spec"]["metrics"]}
    assert types["Resource"]["resource"]["name"] == "cpu"
    name = types["Pods"]["pods"]["metric"]["name"]
    metrics_doc = (ROOT / "docs" / "METRICS.md").read_text()
    assert re.search(rf"^\| `{name}` \| gauge \|", metrics_doc, re.M), name
    assert hpa["spec"]["scaleTargetRef"]["name"] == by_kind(render(), "Deployment")["metadata"]["name"]


def test_pdb_and_servicemonitor_select_the_pods():
    docs = render()
    labels = by_kind(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    pdb = by_kind(docs, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    svc = by_kind(docs, "Service")
    sm = by_kind(docs, "ServiceMonitor")
    assert sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
    assert sm["spec"]["endpoints"][0]["path"] == "/metrics"
    assert sm["spec"]["endpoints"][0]["port"] in {p["name"] for p in svc["spec"]["ports"]}
