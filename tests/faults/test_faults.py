"""Nothing is lost and nothing takes effect twice, whatever fails mid-stream.

Run with `make faults`. Each scenario sends FUNDLINK_FAULT_HANDOFFS (default 10,000)
hand-offs through real services, injects one fault, waits for the stream to settle and
prints sent / delivered / lost / duplicated / dead-lettered. Loopback only; every wait
is bounded.
"""

import signal
import time
from pathlib import Path

import pytest
from harness import HEADER, Drill, FaultProxy, rabbitmqctl, restart_postgresql

pytestmark = pytest.mark.faults
CRASHING_RELAY = [str(Path(__file__).with_name("crashing_relay.py"))]
RESULTS: list = []


@pytest.fixture(scope="module", autouse=True)
def table():
    yield
    print("\n\nfault suite\n" + HEADER)
    for f in RESULTS:
        print(f.row() + (f"   ({'; '.join(f.notes)})" if f.notes else ""))


@pytest.fixture
def drill(request, database_url, keys_dir, tmp_path):
    drills = []

    def make(scenario, **kw):
        d = Drill(scenario, database_url, keys_dir, tmp_path, **kw)
        d.reset()
        drills.append(d)
        return d

    yield make
    for d in drills:
        d.stop_all()


def run(d: Drill, fault, fault_at: float = 0.4, **start) -> None:
    d.start("hs_center", **start.get("hs_center", {}))
    d.start("tax", **start.get("tax", {}))
    d.load_registry()
    d.send(fault=fault, fault_at=fault_at)
    RESULTS.append(d.settle())


def assert_clean(f):
    assert (f.lost, f.duplicated, f.dead_lettered) == (0, 0, 0), f.row()


def test_rabbitmq_restarted_mid_stream(drill):
    d = drill("rabbitmq_restart")

    def fault():
        rabbitmqctl("stop_app")
        time.sleep(3)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    run(d, fault)
    assert_clean(d.figures)


def test_consumer_killed_with_sigkill_mid_handling(drill):
    d = drill("consumer_sigkill")

    def fault():
        d.kill("hs_center", signal.SIGKILL)
        time.sleep(2)
        d.start("hs_center")

    run(d, fault)
    assert_clean(d.figures)


def test_relay_killed_between_publish_and_mark_sent(drill):
    d = drill("relay_crash", env_extra={"tax": {"FUNDLINK_FAULT_CRASH_AFTER_WINDOWS": "40"}})

    def fault():
        # The crashing relay exits by itself after confirming a window; bring tax back.
        code = d.wait_exit("tax")
        d.figures.notes.append(f"relay exited with {code}")
        d.env_extra["tax"] = {}
        d.start("tax")

    # The watcher starts with the stream; the relay picks its own moment to die.
    run(d, fault, fault_at=0.0, tax={"program": CRASHING_RELAY})
    assert "relay exited with 137" in d.figures.notes
    assert_clean(d.figures)


def test_postgresql_restarted_mid_stream(drill):
    d = drill("postgres_restart")

    def fault():
        restart_postgresql()

    run(d, fault)
    assert_clean(d.figures)


def test_broker_connection_stalled_then_cut(drill):
    proxy = FaultProxy()
    try:
        d = drill("proxy_stall_cut", amqp_port=proxy.port)

        def fault():
            proxy.stall(10)
            time.sleep(2)
            proxy.cut()

        run(d, fault)
    finally:
        proxy.close()
    assert_clean(d.figures)


def test_the_suite_catches_duplicates_when_the_inbox_is_switched_off(drill):
    """The same relay crash with the center's dedup off: the republished window must
    show up as duplicated effects, or the other scenarios prove nothing."""
    d = drill("no_dedup_relay_crash", env_extra={"tax": {"FUNDLINK_FAULT_CRASH_AFTER_WINDOWS": "40"},
                                                 "hs_center": {"FUNDLINK_INBOX_DEDUP": "off"}})

    def fault():
        d.wait_exit("tax")
        d.env_extra["tax"] = {}
        d.start("tax")

    run(d, fault, fault_at=0.0, tax={"program": CRASHING_RELAY})
    assert d.figures.duplicated > 0, d.figures.row()
    assert d.figures.lost == 0
