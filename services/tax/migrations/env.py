"""Alembic environment for tax: only this agency's metadata."""

from services.tax.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
