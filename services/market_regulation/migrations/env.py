"""Alembic environment for market_regulation: only this agency's metadata."""

from services.market_regulation.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
