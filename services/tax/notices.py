"""Tax's copies of the budget chain (HO-10, HO-11) and of the adjustment decisions (HO-13): tax co-signs the
revenue side, so it keeps where the draft and its adjustments stand."""

from __future__ import annotations

from shared import notices
from shared.bus.runtime import handles, http

from .models import Base

NOTICES = notices.notice_table(Base.metadata, "tax_budget_notice")


class BudgetNoticeEntrypoints:
    @handles("fundlink.finance.budget_draft.reviewed.v1")
    def on_budget_draft_reviewed(self, event):
        """HO-10: finance's review of the budget draft whose revenue tax confirmed."""
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.people_government.budget.approved.v1")
    def on_budget_approved_by_government(self, event):
        """HO-11: the government's approval of the budget."""
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.peoples_congress.budget.approved.v1")
    def on_budget_approved_by_congress(self, event):
        """HO-11: the people's congress's approval of the budget."""
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.people_government.budget_adjustment.approved.v1")
    def on_adjustment_decided_by_government(self, event):
        """HO-13: the government's decision on a budget adjustment that changes revenue."""
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.peoples_congress.budget_adjustment.approved.v1")
    def on_adjustment_decided_by_congress(self, event):
        """HO-13: the standing committee's decision on a budget adjustment."""
        notices.keep(self.db.session, NOTICES, event)

    @http("GET", "/budget-notices")
    def list_budget_notices(self, request):
        """Where the budget and its adjustments stand, as the other agencies told tax (``?subject=<draft>``)."""
        return {"notices": notices.listing(self.db.session, NOTICES, request.args.get("subject"))}
