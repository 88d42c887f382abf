"""Operations' view against the running suite: a real Prometheus (Debian's package)
scrapes every service and RabbitMQ, every dashboard panel's query returns data, the
service-down alert's expression fires for a stopped service, and `fundlink status`
exits non-zero naming it."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from helpers import feed_payload, registry, wait_for
from typer.testing import CliRunner

from shared.cli import app

ROOT = Path(__file__).resolve().parents[2]
AGENCIES = ("healthcare_security", "hs_center", "finance", "tax", "health_commission", "public_security",
            "market_regulation")


def panel_queries():
    for board in sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json")):
        doc = json.loads(board.read_text())
        for panel in doc["panels"]:
            for target in panel["targets"]:
                yield board.stem, panel["title"], target["expr"].replace("$agency", "tax")


@pytest.fixture
def prometheus(fleet, tmp_path):
    binary = shutil.which("prometheus")
    assert binary, "prometheus is missing: apt-get install prometheus (.ci/run does)"
    for agency in AGENCIES:
        fleet.start(agency)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    targets = "\n".join(
        f'      - targets: ["{fleet.settings[a].web_address}"]\n        labels: {{agency: {a}}}' for a in AGENCIES)
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: fundlink
    static_configs:
{targets}
  - job_name: rabbitmq
    metrics_path: /metrics/per-object
    static_configs:
      - targets: ["127.0.0.1:15692"]
""")
    proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _ready(base), timeout=60, message="prometheus to start")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def _ready(base):
    try:
        return requests.get(base + "/-/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def query(base, expr):
    r = requests.get(base + "/api/v1/query", params={"query": expr}, timeout=10)
    r.raise_for_status()
    return r.json()["data"]["result"]


def drive_demo(fleet, keys_dir, amqp_uri):
    """The demo's feed round trip, plus one refused message so dead-letter panels have data."""
    from helpers import FEED_TYPE, publish_raw, signed

    fleet.post("hs_center", "/registry", json=registry(), timeout=10).raise_for_status()
    feed = feed_payload(resident_fen=40_000)
    fleet.post("tax", "/feeds", json=feed, timeout=10).raise_for_status()
    wait_for(lambda: fleet.get("tax", f"/feeds/{feed['feed_id']}").json()["status"] != "published",
             message="the reconciliation")
    env = signed(keys_dir, "finance", FEED_TYPE, feed_payload())  # wrong producer: dead-lettered
    publish_raw(amqp_uri, env.routing_key, env.amqp_headers(), env.body)


def test_every_dashboard_panel_has_data_and_service_down_fires(fleet, prometheus, keys_dir, amqp_uri):
    drive_demo(fleet, keys_dir, amqp_uri)
    time.sleep(12)  # several scrapes and a watch-timer round (5 s) after the traffic; not a timing assertion
    empty = [f"{board} / {title}: {expr}" for board, title, expr in panel_queries() if not query(prometheus, expr)]
    assert empty == [], "panels without data:\n" + "\n".join(empty)

    fleet.stop("market_regulation")
    fired = wait_for(lambda: query(prometheus, 'up{job="fundlink"} == 0'), timeout=60,
                     message="the service-down expression to fire")
    assert [r["metric"]["agency"] for r in fired] == ["market_regulation"]


def test_status_exits_non_zero_naming_the_stopped_service(fleet):
    for agency in ("tax", "hs_center"):
        fleet.start(agency)
    env = {f"{a.upper()}_WEB_SERVER_ADDRESS": fleet.settings[a].web_address for a in ("tax", "hs_center")}
    env.update({f"{a.upper()}_WEB_SERVER_ADDRESS": "127.0.0.1:9" for a in AGENCIES if a not in ("tax", "hs_center")})
    runner = CliRunner()
    stopped = [a for a in AGENCIES if a not in ("tax", "hs_center")]
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 1
    assert "down: " + ", ".join(sorted(stopped)) in result.output.replace("\n", " ")
    fleet.stop("hs_center")
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 1 and "hs_center" in result.output.split("down:")[-1]
