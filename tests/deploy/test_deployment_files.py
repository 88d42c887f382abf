"""Deployment files are checked offline: alert rules with promtool, manifests with
kustomize + kubernetes-validate, compose.yaml with the docker client."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "deploy" / "prometheus"


def run(*cmd, cwd=ROOT):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_alert_rules_pass_promtool_check_and_unit_tests():
    assert shutil.which("promtool"), "promtool is missing: apt-get install prometheus (.ci/run does)"
    check = run("promtool", "check", "rules", "alerts.yml", cwd=PROM)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = run("promtool", "test", "rules", "alerts_test.yml", cwd=PROM)
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_every_alert_has_a_firing_and_a_quiet_case():
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    cases = yaml.safe_load((PROM / "alerts_test.yml").read_text())["tests"]
    firing, quiet = set(), set()
    for case in cases:
        for t in case.get("alert_rule_test", []):
            (firing if t.get("exp_alerts") else quiet).add(t["alertname"])
    assert alerts - firing == set(), "alerts never tested firing"
    assert alerts - quiet == set(), "alerts never tested quiet"


def test_k8s_manifests_build_and_validate_offline(tmp_path):
    assert shutil.which("kubectl"), "kubectl (with kustomize) is missing"
    built = run("kubectl", "kustomize", "deploy/k8s")
    assert built.returncode == 0, built.stderr
    out = tmp_path / "all.yaml"
    out.write_text(built.stdout)
    docs = [d for d in yaml.safe_load_all(built.stdout) if d]
    kinds = [d["kind"] for d in docs]
    assert kinds.count("Deployment") == 7 and "RabbitmqCluster" in kinds and "PodDisruptionBudget" in kinds
    for d in docs:
        if d["kind"] == "Deployment":
            pod = d["spec"]["template"]["spec"]["containers"][0]
            assert d["spec"]["replicas"] > 1, d["metadata"]["name"]
            assert pod["readinessProbe"]["httpGet"]["path"] == "/health"
    validate = run(str(Path(sys.executable).parent / "kubernetes-validate"), "--strict", "--quiet", str(out))
    assert validate.returncode == 0, validate.stdout + validate.stderr


def _compose_command():
    if shutil.which("docker") and run("docker", "compose", "version").returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(_compose_command() is None, reason="no docker compose client on this machine")
def test_compose_file_is_valid():
    result = run(*_compose_command(), "config")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    for agency in ("healthcare-security", "hs-center", "finance", "tax", "health-commission", "public-security",
                   "market-regulation"):
        assert "healthcheck" in services[agency], agency
    assert {"rabbitmq", "postgres"} <= set(services)
