"""Prometheus metrics of one agency service.

Each service gets its own registry (tests run several services in one process).
Names follow Prometheus conventions: ``_total`` counters, ``_seconds`` units.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["ServiceMetrics", "CONTENT_TYPE_LATEST"]


class ServiceMetrics:
    def __init__(self, agency: str):
        self.agency = agency
        r = self.registry = CollectorRegistry(auto_describe=True)
        ev = ["agency", "event_type"]
        self.published = Counter(
            "fundlink_handoffs_published_total", "Hand-offs confirmed by the broker", ev, registry=r)
        self.consumed = Counter(
            "fundlink_handoffs_consumed_total", "Hand-offs handled, by outcome", ev + ["outcome"], registry=r)
        self.dead_lettered = Counter(
            "fundlink_handoffs_dead_lettered_total", "Hand-offs sent to the dead-letter queue",
            ev + ["reason"], registry=r)
        self.unroutable = Counter(
            "fundlink_outbox_unroutable_total", "Outbox publishes returned as unroutable", ev, registry=r)
        self.nacked = Counter(
            "fundlink_outbox_nacked_total", "Outbox publishes the broker nacked (kept pending and retried)", ev,
            registry=r)
        self.resubscribed = Counter(
            "fundlink_consumer_resubscribed_total",
            "Times a queue had ready messages but no delivery reached its idle handler, so the service "
            "subscribed again", ["agency", "queue"], registry=r)
        self.relay_errors = Counter(
            "fundlink_relay_errors_total", "Relay windows that failed (broker or database)", ["agency"],
            registry=r)
        self.outbox_backlog = Gauge(
            "fundlink_outbox_backlog", "Outbox rows not yet confirmed", ["agency"], registry=r)
        self.outbox_oldest_age = Gauge(
            "fundlink_outbox_oldest_age_seconds", "Age of the oldest unconfirmed outbox row", ["agency"],
            registry=r)
        self.confirm_latency = Histogram(
            "fundlink_relay_confirm_latency_seconds", "Time from publishing a window to its last confirm",
            ["agency"], registry=r, buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.handling = Histogram(
            "fundlink_consumer_handling_seconds", "Handler time per delivery, commit included", ev,
            registry=r, buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.dlq_depth = Gauge(
            "fundlink_dead_letter_queue_depth", "Messages waiting in the agency's dead-letter queue",
            ["agency"], registry=r)
        self.deadlines_open = Gauge(
            "fundlink_deadlines_open", "Statutory deadlines still running", ["agency", "kind"], registry=r)
        self.deadlines_overdue = Gauge(
            "fundlink_deadlines_overdue", "Statutory deadlines missed and not yet met", ["agency", "kind"],
            registry=r)
        self.last_success = Gauge(
            "fundlink_handoff_last_success_timestamp_seconds", "Last successful send or receipt", ev + ["direction"],
            registry=r)
        self.last_failure = Gauge(
            "fundlink_handoff_last_failure_timestamp_seconds", "Last failed send or receipt", ev + ["direction"],
            registry=r)
        self.up = Gauge("fundlink_component_up", "1 when the component answers", ["agency", "component"],
                        registry=r)

    def published_ok(self, event_type: str) -> None:
        self.published.labels(self.agency, event_type).inc()
        self.last_success.labels(self.agency, event_type, "out").set(time.time())

    def consumed_ok(self, event_type: str, outcome: str = "processed") -> None:
        self.consumed.labels(self.agency, event_type, outcome).inc()
        self.last_success.labels(self.agency, event_type, "in").set(time.time())

    def dead_letter(self, event_type: str, reason: str) -> None:
        self.dead_lettered.labels(self.agency, event_type or "unknown", reason).inc()
        self.last_failure.labels(self.agency, event_type or "unknown", "in").set(time.time())

    def nacked_event(self, event_type: str) -> None:
        self.nacked.labels(self.agency, event_type).inc()

    def unroutable_event(self, event_type: str) -> None:
        self.unroutable.labels(self.agency, event_type).inc()
        self.last_failure.labels(self.agency, event_type, "out").set(time.time())

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
