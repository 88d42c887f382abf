"""Alembic environment for public_security: only this agency's metadata."""

from services.public_security.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
