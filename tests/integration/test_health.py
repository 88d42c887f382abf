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
