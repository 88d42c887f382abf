"""The bureau's table for hand-offs from one of its offices or levels to another (HO-31, HO-37, HO-42).

Producer and consumer are both healthcare_security, so each side keeps its own row: the receiving bureau's
report docket, the competent authority's penalty proposals, and an enforcement notice as the upper bureau
issued it and as the lower bureau received it. ``doc`` is the domain value (``records.dump``); ``facts`` holds
request facts the domain does not model (the notice's required action, the review request's id, ...). No row
here holds a whistle-blower's identity: the docket's domain value has no field for one.
"""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, MatterColumns


class BureauLevelMatter(MatterColumns, Base):
    """kind: report_docket | penalty_proposal | enforcement_issued | enforcement_received."""

    __tablename__ = "bureau_level_matter"

    facts: Mapped[dict] = mapped_column(JSON, default=dict)
