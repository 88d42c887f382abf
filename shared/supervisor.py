"""Run agency services: one in this process (``serve``), or all as child processes (``run``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib.metadata import entry_points

import requests

from shared.config import settings_for


def service_classes() -> dict[str, str]:
    """Agency id → 'module:Class', from the ``fundlink.services`` entry points."""
    return {ep.name: ep.value for ep in entry_points(group="fundlink.services")}


def load_service(agency: str):
    for ep in entry_points(group="fundlink.services"):
        if ep.name == agency:
            return ep.load()
    raise KeyError(f"no service for {agency!r}; known: {', '.join(sorted(service_classes()))}")


def prepare(agency: str, *, make_keys: bool = True) -> None:
    """Migrate the agency's database and make sure it has a signing key (embedded first run)."""
    from shared.bus.signing import generate_keys
    from shared.migrate import upgrade

    s = settings_for(agency)
    upgrade(agency, s.database_url)
    if make_keys and not (s.keys_dir / f"{agency}.key").exists():
        generate_keys(agency, s.keys_dir)
    if make_keys:  # the embedded first run issues its own officers' tokens (see docs/security.md)
        from shared.auth import ensure_issuer_key

        ensure_issuer_key(s.keys_dir)


def serve(agency: str) -> None:
    """Blocking: run one agency's nameko service until SIGTERM/SIGINT."""
    import eventlet

    if not eventlet.patcher.is_monkey_patched("socket"):
        raise RuntimeError("serve() needs eventlet.monkey_patch() first; start it with `fundlink serve`")
    from nameko.runners import ServiceRunner

    from shared.config import nameko_config
    from shared.logging import configure

    configure(agency)
    cls = load_service(agency)
    runner = ServiceRunner(nameko_config(settings_for(agency)))
    runner.add_service(cls)
    runner.start()
    stop = eventlet.event.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.ready() or stop.send(True))
    stop.wait()
    runner.stop()


def wait_healthy(agencies: list[str], timeout: float = 60.0) -> dict[str, str]:
    """Poll each /health until ok or timeout; returns agency → last status."""
    status = {a: "starting" for a in agencies}
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(v != "ok" for v in status.values()):
        for agency in agencies:
            if status[agency] == "ok":
                continue
            try:
                r = requests.get(f"http://{settings_for(agency).web_address}/health", timeout=2)
                status[agency] = r.json().get("status", "?") if r.ok else r.json().get("message", str(r.status_code))
            except requests.RequestException as exc:
                status[agency] = type(exc).__name__
        time.sleep(0.5)
    return status


class Fleet:
    """All agency services as child processes of this one."""

    def __init__(self, agencies: list[str]):
        self.agencies = agencies
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for agency in self.agencies:
            self.procs[agency] = subprocess.Popen(
                [sys.executable, "-m", "shared.entry", "serve", agency],
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                stdout=subprocess.DEVNULL if os.environ.get("FUNDLINK_QUIET") else None,
            )

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
