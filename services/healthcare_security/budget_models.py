"""The bureau's tables for budget review, on the bureau's own metadata."""

from __future__ import annotations

from .models import Base  # noqa: F401 - tables declared here join the bureau's metadata
