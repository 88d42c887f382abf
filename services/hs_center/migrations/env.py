"""Alembic environment for hs_center: only this agency's metadata."""

from services.hs_center.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
