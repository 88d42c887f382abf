"""Alembic environment for health_commission: only this agency's metadata."""

from services.health_commission.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
