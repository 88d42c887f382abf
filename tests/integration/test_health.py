"""/health names what is down; /metrics serves Prometheus text."""



def test_health_is_503_naming_the_database_when_it_is_unreachable(fleet):
    fleet.start("tax", database_url="postgresql://postgres@127.0.0.1:1/nowhere")
    r = fleet.get("tax", "/health", timeout=15)
    assert r.status_code == 503
    body = r.json()
    assert body["checks"]["database"].startswith("down")
    assert body["checks"]["broker"] == "ok"
    assert "database" in body["message"]


def test_health_ok_and_metrics_exposed(fleet):
    fleet.start("tax")
    r = fleet.get("tax", "/health", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    text = fleet.get("tax", "/metrics", timeout=10).text
    assert "# TYPE fundlink_handoffs_published_total counter" in text
    assert "# TYPE fundlink_consumer_handling_seconds histogram" in text


def test_health_is_503_until_the_consumers_are_bound(fleet, amqp_uri):
    """A service that answers /health before its queues are bound would let a producer publish into the void."""
    import eventlet
    import requests
    from helpers import wait_for
    from kombu import Connection

    from shared.bus.catalogue import catalogue
    from shared.bus.topology import queue_name

    fleet.prepare("tax")
    # A stale classic queue under the name of one of tax's quorum queues: declaring it fails until it is gone.
    blocker = queue_name("tax", catalogue().consumed_by("tax")[0].routing_key)
    with Connection(amqp_uri) as conn:
        conn.channel().queue_declare(blocker, durable=True)
    starting = eventlet.spawn(fleet.start, "tax")

    def health():
        try:
            return fleet.get("tax", "/health", timeout=5)
        except requests.ConnectionError:
            return None

    (r,) = wait_for(lambda: (h := health()) is not None and [h], timeout=60, message="tax's web server")
    assert r.status_code == 503, r.text
    assert r.json()["checks"]["consumers"]["ready"] is False
    assert "consumers not yet bound" in r.json()["message"]
    with Connection(amqp_uri) as conn:
        conn.channel().queue_delete(blocker)
    wait_for(lambda: (h := health()) is not None and h.status_code == 200, timeout=60, message="consumers bound")
    starting.wait()
    assert fleet.get("tax", "/health").json()["checks"]["consumers"]["ready"] is True
