"""Alembic, once per agency: each service's ``migrations/`` holds only its own tables."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.config import REPO_ROOT, settings_for

SERVICES_DIR = REPO_ROOT / "services"


def alembic_config(agency: str, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / agency / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or settings_for(agency).database_url).replace("%", "%%"))
    cfg.attributes["agency"] = agency
    return cfg


def upgrade(agency: str, url: str | None = None, revision: str = "heads") -> None:
    url = url or settings_for(agency).database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    ensure_schema(url)
    command.upgrade(alembic_config(agency, url), revision)


def ensure_schema(url: str) -> None:
    """Create the agency's PostgreSQL schema named in the URL's search_path, if any."""
    import re
    from urllib.parse import unquote

    import sqlalchemy as sa

    match = re.search(r"search_path(?:%3D|=)(\w+)", url)
    if not match:
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{unquote(match.group(1))}"'))
    finally:
        engine.dispose()


def create_bus_tables() -> None:
    """Migration step: the inbox and outbox (shared/bus/inbox.py, outbox.py), the same in every agency."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "fundlink_inbox",
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "fundlink_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("routing_key", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("fundlink_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fundlink_outbox_sent_at"), ["sent_at"], unique=False)


def drop_bus_tables() -> None:
    from alembic import op

    with op.batch_alter_table("fundlink_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fundlink_outbox_sent_at"))
    op.drop_table("fundlink_outbox")
    op.drop_table("fundlink_inbox")


def create_table_of(columns: type) -> None:
    """Migration step: the table of a columns mixin shared by several agencies (each in its own database),
    e.g. ``shared.referrals.ReferralColumns``, exactly as the agency's model declares it."""
    from alembic import op
    from sqlalchemy.orm import DeclarativeBase

    class _Base(DeclarativeBase):
        pass

    table = type(f"_{columns.__name__}", (columns, _Base), {})
    table.__table__.create(op.get_bind())


def drop_table_of(columns: type) -> None:
    from alembic import op

    op.drop_table(columns.__tablename__)


def create_hand_off_record() -> None:
    """Migration step: the hand-off record's tables (shared/audit.py), the same in every agency, and
    the chain's head at genesis."""
    from alembic import op
    from sqlalchemy import MetaData

    from shared.audit import GENESIS, AuditTables

    tables = AuditTables.on(MetaData())
    bind = op.get_bind()
    tables.entries.create(bind)
    tables.head.create(bind)
    op.execute(tables.head.insert().values(id=1, seq=0, hash=GENESIS))


def create_notice_table(name: str) -> None:
    """Migration step: an agency's notice table (shared/notices.py)."""
    from alembic import op
    from sqlalchemy import MetaData

    from shared.notices import notice_table

    notice_table(MetaData(), name).create(op.get_bind())


def drop_hand_off_record() -> None:
    from alembic import op

    from shared.audit import AUDIT_HEAD_TABLE, AUDIT_TABLE

    op.drop_table(AUDIT_HEAD_TABLE)
    op.drop_table(AUDIT_TABLE)


def run_env(target_metadata) -> None:
    """Body of every service's ``migrations/env.py``."""
    from alembic import context
    from sqlalchemy import engine_from_config, pool

    from shared.audit import AuditTables

    AuditTables.on(target_metadata)  # every agency's record: created by its 0201 migration

    config = context.config
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                          literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
