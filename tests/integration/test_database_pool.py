"""A pooled PostgreSQL connection the server has ended (restart, terminated backend) is replaced at
checkout, without a `SELECT 1` round trip on every checkout, and the caller's transaction goes through."""

import time

import sqlalchemy as sa
from helpers import wait_for

from shared.db import Database


def backend_pid(db: Database) -> int:
    with db.transaction() as session:
        return session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def backend_alive(engine, pid: int) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar())


def test_a_connection_ended_by_the_server_is_replaced_at_checkout(database_url):
    db = Database(database_url)
    admin = sa.create_engine(database_url)
    try:
        first = backend_pid(db)
        assert backend_pid(db) == first  # the pool hands the same idle connection back
        with admin.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar_one()
        # pg_terminate_backend only signals: the server has ended the connection once the backend is gone.
        wait_for(lambda: not backend_alive(admin, first), timeout=30, message=f"backend {first} to exit")
        time.sleep(0.2)  # its socket closes as the process exits
        # The pooled connection is dead now; using it would raise "server closed the connection".
        with db.transaction() as session:
            session.execute(sa.text("CREATE TEMPORARY TABLE pool_probe (n int)"))
            session.execute(sa.text("INSERT INTO pool_probe VALUES (1)"))
            assert session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != first
    finally:
        db.dispose()
        admin.dispose()

