"""The center's copies of the adjustment chain (HO-13: the bureau's and tax's signatures, the government's and
congress's decisions) and of the final accounts' approvals (HO-14): the center compiled both drafts."""

from __future__ import annotations

from shared import notices
from shared.bus.runtime import handles, http

from .models import Base

NOTICES = notices.notice_table(Base.metadata, "center_money_notice")


class MoneyNoticeEntrypoints:
    @handles("fundlink.healthcare_security.chain_step.signed.v1")
    def on_bureau_signed_step(self, event):
        """HO-13: the bureau signed or returned its step of the adjustment chain."""
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.tax.chain_step.signed.v1")
    def on_tax_signed_step(self, event):
        """HO-13: tax signed or returned its step of the adjustment chain."""
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.people_government.budget_adjustment.approved.v1")
    def on_adjustment_decided_by_government(self, event):
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.peoples_congress.budget_adjustment.approved.v1")
    def on_adjustment_decided_by_congress(self, event):
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.people_government.final_accounts.approved.v1")
    def on_final_accounts_approved_by_government(self, event):
        """HO-14: the government approved the final accounts the center compiled."""
        notices.keep(self.db.session, NOTICES, event)

    @handles("fundlink.peoples_congress.final_accounts.approved.v1")
    def on_final_accounts_approved_by_congress(self, event):
        notices.keep(self.db.session, NOTICES, event)

    @http("GET", "/money-notices")
    def list_money_notices(self, request):
        """Signatures and approvals of the center's drafts, as the others told it (``?subject=<draft>``)."""
        return {"notices": notices.listing(self.db.session, NOTICES, request.args.get("subject"))}
