"""Alembic environment for finance: only this agency's metadata."""

from services.finance.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
