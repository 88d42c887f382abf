"""The center's copies of the adjustment chain (HO-13: the bureau's and tax's signatures, the government's and
congress's decisions) and of the final accounts' approvals (HO-14): the center compiled both drafts."""

from __future__ import annotations

from shared import notices
from shared.bus.runtime import http

from .models import Base

NOTICES = notices.notice_table(Base.metadata, "center_money_notice")
# HO-13: the bureau's signatures on the adjustment chain, the decisions on it; HO-14: the approvals of the
# final accounts. Tax's signatures are kept too, by money_handoffs.on_tax_signed_step, which also acts on them.
MoneyNotices = notices.notice_handlers("MoneyNotices", NOTICES, (
    "fundlink.healthcare_security.chain_step.signed.v1",
    "fundlink.people_government.budget_adjustment.approved.v1",
    "fundlink.peoples_congress.budget_adjustment.approved.v1",
    "fundlink.people_government.final_accounts.approved.v1",
    "fundlink.peoples_congress.final_accounts.approved.v1",
))


class MoneyNoticeEntrypoints(MoneyNotices):
    @http("GET", "/money-notices")
    def list_money_notices(self, request):
        """Signatures and approvals of the center's drafts, as the others told it (``?subject=<draft>``)."""
        return {"notices": notices.listing(self.db.session, NOTICES, request.args.get("subject"))}
