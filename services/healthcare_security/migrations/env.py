"""Alembic environment for healthcare_security: only this agency's metadata."""

from services.healthcare_security.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
