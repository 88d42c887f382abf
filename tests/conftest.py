"""Test wiring. eventlet must patch the process before anything else imports sockets."""

import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated", category=DeprecationWarning)

import eventlet  # noqa: E402

eventlet.monkey_patch()

import contextlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def docker_engine_available() -> bool:
    """pytest-docker needs a running engine; the client alone is not enough."""
    if not shutil.which("docker"):
        return False
    import subprocess

    return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0


@pytest.fixture(scope="session")
def amqp_uri():
    from kombu import Connection

    try:
        with Connection(AMQP_URI, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # fail loudly: these tests exist to run against the real broker
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URI}: {exc}. Start it: rabbitmq-server -detached")
    return AMQP_URI


@pytest.fixture(scope="session")
def database_url():
    import sqlalchemy as sa

    engine = sa.create_engine(DATABASE_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL is not reachable at {DATABASE_URL}: {exc}")
    finally:
        engine.dispose()
    return DATABASE_URL


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory):
    """Test keys for every party, generated per run and marked as test keys."""
    from shared.bus.catalogue import catalogue
    from shared.bus.signing import generate_keys

    directory = tmp_path_factory.mktemp("keys")
    from shared.auth import ensure_issuer_key

    for party in catalogue().agencies:
        generate_keys(party, directory, test=True)
    ensure_issuer_key(directory, test=True)
    return directory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def agency_db_url(database_url: str, agency: str) -> str:
    """One PostgreSQL schema per agency inside the test database (trust auth, no CREATEDB needed)."""
    from shared.config import agency_database_url

    return agency_database_url(database_url, agency)


def reset_agency_schema(database_url: str, agency: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS fl_{agency} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA fl_{agency}"))
    engine.dispose()


class Fleet:
    """Agency services running in this process on real RabbitMQ and PostgreSQL."""

    def __init__(self, amqp_uri, database_url, keys_dir):
        self.amqp_uri, self.database_url, self.keys_dir = amqp_uri, database_url, keys_dir
        self.runners = {}
        self.settings = {}

    def settings_for(self, agency, **overrides):
        from shared.config import settings_for

        base = replace(
            settings_for(agency), amqp_uri=self.amqp_uri, database_url=agency_db_url(self.database_url, agency),
            keys_dir=Path(self.keys_dir), public_keys_dir=Path(self.keys_dir),
            web_address=f"127.0.0.1:{free_port()}", relay_poll_seconds=0.2,
        )
        return replace(base, **overrides)

    def prepare(self, agency, **overrides):
        from shared.migrate import upgrade

        settings = self.settings_for(agency, **overrides)
        if "database_url" not in overrides:
            reset_agency_schema(self.database_url, agency)
            upgrade(agency, settings.database_url)
        from helpers import delete_agency_queues

        delete_agency_queues(self.amqp_uri, agency)
        self.settings[agency] = settings
        return settings

    def start(self, agency, service_cls=None, **overrides):
        from nameko.runners import ServiceRunner

        from shared.config import nameko_config
        from shared.supervisor import load_service

        settings = self.settings.get(agency) if not overrides and agency in self.settings else None
        settings = settings or self.prepare(agency, **overrides)
        runner = ServiceRunner(nameko_config(settings))
        runner.add_service(service_cls or load_service(agency))
        runner.start()
        self.runners[agency] = runner
        return settings

    def stop(self, agency):
        runner = self.runners.pop(agency)
        runner.stop()

    def url(self, agency, path):
        return f"http://{self.settings[agency].web_address}{path}"

    def token(self, agency, *roles, user=None, **claims):
        """A signed officer token for ``agency`` (default role: officer), as `fundlink users issue-token` makes."""
        from shared.auth import issue_token

        roles = roles or ("officer",)
        return issue_token(Path(self.keys_dir), agency=agency, user=user or f"{roles[0]}.{agency}",
                           roles=list(roles), **claims)

    def call(self, method, agency, path, *, role=None, roles=None, token=None, user=None, **kwargs):
        """An authenticated HTTP request to ``agency``'s service, the way an officer's client makes it.
        Without ``role`` it acts as the first role the role table lets do the route (officer, or head for
        an approval), so a test states a role only where the role is the point."""
        import requests

        roles = roles or ((role,) if role else (self.role_for(agency, method, path),))
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not False:
            headers.setdefault("Authorization",
                               f"Bearer {token or self.token(agency, *roles, user=user)}")
        kwargs.setdefault("timeout", 30)
        return requests.request(method, self.url(agency, path), headers=headers, **kwargs)

    @staticmethod
    def role_for(agency, method, path):
        import re

        from shared.auth import role_table

        table = role_table()
        bare = path.split("?")[0]
        for scope in (agency, "*"):
            for key in table.routes.get(scope, {}):
                m, _, pattern = key.partition(" ")
                if m == method.upper() and re.fullmatch(re.sub(r"<[^>]+>", "[^/]+", pattern), bare):
                    return table.permission(agency, method, pattern).roles[0]
        return table.permission(agency, method, bare).roles[0]

    def get(self, agency, path, **kwargs):
        return self.call("GET", agency, path, **kwargs)

    def post(self, agency, path, **kwargs):
        return self.call("POST", agency, path, **kwargs)

    def database(self, agency):
        from shared.db import Database

        return Database(self.settings[agency].database_url)

    def stop_all(self):
        for agency in list(self.runners):
            with contextlib.suppress(Exception):  # teardown continues
                self.runners.pop(agency).kill()


@pytest.fixture
def fleet(amqp_uri, database_url, keys_dir):
    f = Fleet(amqp_uri, database_url, keys_dir)
    yield f
    f.stop_all()
