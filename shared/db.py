"""Database engines and the unit of work every service writes through.

SQLite (one file per agency, WAL) is the embedded default; PostgreSQL through psycopg2
is used when ``DATABASE_URL`` says so. Both run under eventlet, which needs care:

* psycopg2 blocks the whole hub while it waits on the server, so a green thread that
  waits for a row lock held by another green thread would deadlock the process. A wait
  callback makes psycopg2 yield to the hub instead.
* sqlite3 has no such hook, so all writes to one agency's file are serialised by a
  green lock held for the whole transaction.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

_green_wait_installed = False


def _install_green_wait() -> None:
    """Make psycopg2 cooperate with eventlet (only when eventlet has patched the process)."""
    global _green_wait_installed
    if _green_wait_installed:
        return
    try:
        import eventlet.patcher
        import psycopg2.extensions
        from eventlet.hubs import trampoline
    except ImportError:  # pragma: no cover - psycopg2 or eventlet absent
        return
    if not eventlet.patcher.is_monkey_patched("socket"):
        return

    def wait(conn, timeout=None):
        while True:
            state = conn.poll()
            if state == psycopg2.extensions.POLL_OK:
                return
            if state == psycopg2.extensions.POLL_READ:
                trampoline(conn.fileno(), read=True)
            elif state == psycopg2.extensions.POLL_WRITE:
                trampoline(conn.fileno(), write=True)
            else:  # pragma: no cover
                raise psycopg2.OperationalError(f"bad poll state {state!r}")

    psycopg2.extensions.set_wait_callback(wait)
    _green_wait_installed = True


class Database:
    """One agency's engine, session factory and write lock."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            _install_green_wait()
            self.engine = create_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_timeout=10)
            event.listen(self.engine, "connect", _postgresql_session)
            event.listen(self.engine, "checkout", _closed_by_server)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # RLock is green once eventlet has patched threading.
        self._write_lock = threading.RLock() if self.is_sqlite else None

    @contextmanager
    def write_lock(self):
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            yield

    @contextmanager
    def transaction(self):
        """A session that commits on success and rolls back on error."""
        with self.write_lock():
            session: Session = self.sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def ping(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _closed_by_server(dbapi_conn, _record, _proxy):
    """Refuse a pooled connection the server has closed (restart, terminated backend).

    Instead of pool_pre_ping's ``SELECT 1``, a round trip on every checkout: an idle connection
    has nothing to read unless the server has ended it (its farewell message or EOF), so a
    zero-timeout poll tells. Raising DisconnectionError makes the pool reconnect that slot and
    try again; a healthy connection wrongly refused only costs a reconnect.
    """
    from sqlalchemy.exc import DisconnectionError

    if dbapi_conn.closed:
        raise DisconnectionError("the connection is closed")
    readable, _, _ = _unpatched_select().select([dbapi_conn.fileno()], [], [], 0)
    if readable:
        raise DisconnectionError("the server has closed this idle connection")


def _unpatched_select():
    # eventlet's green select would yield to the hub even with a zero timeout.
    try:
        from eventlet.patcher import original
    except ImportError:  # pragma: no cover - eventlet absent
        import select

        return select
    return original("select")


def _postgresql_session(dbapi_conn, _record):
    # Large values (the hand-off record keeps every signed body, 0.4 MB for a feed chunk) are
    # TOAST-compressed at write: lz4 costs ~1 ms where the default pglz costs ~5 ms per chunk.
    # Servers without lz4 (or before 14) keep their default.
    cur = dbapi_conn.cursor()
    try:
        cur.execute("SET default_toast_compression = lz4")
        dbapi_conn.commit()
    except Exception:  # noqa: BLE001 - an optimisation only
        dbapi_conn.rollback()
    finally:
        cur.close()
