"""Writes the Grafana dashboards as JSON (run from the repo root: python deploy/grafana/generate.py).

Dashboards are code so a test can check that every panel's query returns data against
a live Prometheus scraping the running suite.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
DS = {"type": "prometheus", "uid": "prometheus"}


def panel(pid: int, title: str, exprs: list[tuple[str, str]], kind: str = "timeseries", unit: str = "short",
          x: int = 0, y: int = 0, w: int = 12, h: int = 8) -> dict:
    return {
        "id": pid, "title": title, "type": kind, "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": legend, "datasource": DS}
                    for i, (e, legend) in enumerate(exprs)],
    }


def dashboard(uid: str, title: str, panels: list[dict], templating: list[dict] | None = None) -> dict:
    for i, p in enumerate(panels):
        p["gridPos"].update({"x": (i % 2) * 12, "y": (i // 2) * 8})
    return {"uid": uid, "title": title, "tags": ["fundlink"], "timezone": "Asia/Shanghai", "schemaVersion": 39,
            "refresh": "30s", "time": {"from": "now-6h", "to": "now"}, "panels": panels,
            "templating": {"list": templating or []}}


AGENCY_VAR = {"name": "agency", "type": "query", "datasource": DS, "refresh": 2,
              "query": "label_values(up{job=\"fundlink\"}, agency)", "current": {"text": "tax", "value": "tax"}}

DASHBOARDS = {
    "overview": dashboard("fundlink-overview", "fundlink: overview", [
        panel(1, "Services up", [('up{job="fundlink"}', "{{agency}}")], "stat"),
        panel(2, "Hand-offs published /s by agency",
              [("sum by (agency) (rate(fundlink_handoffs_published_total[5m]))", "{{agency}}")], unit="ops"),
        panel(3, "Hand-offs consumed /s by agency",
              [("sum by (agency) (rate(fundlink_handoffs_consumed_total[5m]))", "{{agency}}")], unit="ops"),
        panel(4, "Dead letters waiting", [("fundlink_dead_letter_queue_depth", "{{agency}}")]),
        panel(5, "Outbox backlog", [("fundlink_outbox_backlog", "{{agency}}")]),
        panel(6, "Overdue statutory deadlines", [("sum by (agency) (fundlink_deadlines_overdue)", "{{agency}}")],
              "stat"),
    ]),
    "agency": dashboard("fundlink-agency", "fundlink: one agency", [
        panel(1, "Published by event type",
              [('sum by (event_type) (increase(fundlink_handoffs_published_total{agency="$agency"}[1h]))',
                "{{event_type}}")]),
        panel(2, "Consumed by event type and outcome",
              [('sum by (event_type, outcome) (increase(fundlink_handoffs_consumed_total{agency="$agency"}[1h]))',
                "{{event_type}} {{outcome}}")]),
        panel(3, "Handling time p99",
              [('histogram_quantile(0.99, sum by (le) (rate(fundlink_consumer_handling_seconds_bucket'
                '{agency="$agency"}[5m])))', "p99")], unit="s"),
        panel(4, "Relay confirm latency p99",
              [('histogram_quantile(0.99, sum by (le) (rate(fundlink_relay_confirm_latency_seconds_bucket'
                '{agency="$agency"}[5m])))', "p99")], unit="s"),
        panel(5, "Oldest unconfirmed outbox row", [('fundlink_outbox_oldest_age_seconds{agency="$agency"}', "age")],
              unit="s"),
        panel(6, "Last successful hand-off, by type",
              [('time() - fundlink_handoff_last_success_timestamp_seconds{agency="$agency"}',
                "{{event_type}} {{direction}}")], "table", unit="s"),
    ], [AGENCY_VAR]),
    "flow": dashboard("fundlink-flow", "fundlink: hand-offs between agencies", [
        panel(1, "Hand-offs sent, by type (1 h)",
              [("sum by (agency, event_type) (increase(fundlink_handoffs_published_total[1h]))",
                "{{agency}} → {{event_type}}")], "table"),
        panel(2, "Hand-offs received, by receiving agency and type (1 h)",
              [("sum by (agency, event_type) (increase(fundlink_handoffs_consumed_total[1h]))",
                "{{event_type}} → {{agency}}")], "table"),
        panel(3, "Dead-lettered, by reason",
              [("sum by (agency, reason) (fundlink_handoffs_dead_lettered_total)", "{{agency}} {{reason}}")]),
        panel(4, "Unroutable and nacked publishes (retried from the outbox)", [
            ("sum by (agency, event_type) (fundlink_outbox_unroutable_total)", "unroutable {{agency}} {{event_type}}"),
            ("sum by (agency, event_type) (increase(fundlink_outbox_nacked_total[5m]))",
             "nacked (5 m) {{agency}} {{event_type}}")]),
    ]),
    "deadlines": dashboard("fundlink-deadlines", "fundlink: statutory deadlines", [
        panel(1, "Open deadlines by kind",
              [("sum by (agency, kind) (fundlink_deadlines_open)", "{{agency}} {{kind}}")]),
        panel(2, "Overdue deadlines by kind",
              [("sum by (agency, kind) (fundlink_deadlines_overdue)", "{{agency}} {{kind}}")]),
    ]),
    "broker": dashboard("fundlink-broker", "fundlink: RabbitMQ", [
        panel(1, "Messages ready per fundlink queue",
              [('sum by (queue) (rabbitmq_queue_messages_ready{queue=~"fundlink\\\\..+"})', "{{queue}}")]),
        panel(2, "Consumers per fundlink queue",
              [('sum by (queue) (rabbitmq_queue_consumers{queue=~"fundlink\\\\..+"})', "{{queue}}")], "table"),
        panel(3, "Messages published into the broker /s",
              [("sum(rate(rabbitmq_global_messages_received_total[5m]))", "received")], unit="ops"),
        panel(4, "Connections", [("sum(rabbitmq_connections)", "connections")], "stat"),
    ]),
}


def main() -> None:
    for name, board in DASHBOARDS.items():
        (HERE / "dashboards" / f"{name}.json").write_text(json.dumps(board, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
