"""The center's tables for the money cycle, on the center's own metadata."""

from __future__ import annotations

from .models import Base  # noqa: F401 - tables declared here join the center's metadata
