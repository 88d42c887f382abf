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


def run_env(target_metadata) -> None:
    """Body of every service's ``migrations/env.py``."""
    from alembic import context
    from sqlalchemy import engine_from_config, pool

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
