"""The transfer package (移送材料) of State Council Decree 310 art. 6."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ._base import DomainError

__all__ = [
    "REQUIRED_ATTACHMENTS",
    "Attachment",
    "AttachmentKind",
    "IncompleteTransferPackage",
    "InvalidAttachment",
    "check_transfer_package",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")


class AttachmentKind(StrEnum):
    TRANSFER_LETTER = "transfer_letter"  # 涉嫌犯罪案件移送书
    INVESTIGATION_REPORT = "investigation_report"  # 涉嫌犯罪案件情况的调查报告
    SEIZED_ITEMS_LIST = "seized_items_list"  # 涉案物品清单
    INSPECTION_REPORT = "inspection_report"  # 检验报告
    APPRAISAL_REPORT = "appraisal_report"  # 鉴定意见
    OTHER_EVIDENCE = "other_evidence"  # 其他有关涉嫌犯罪的材料


REQUIRED_ATTACHMENTS = (AttachmentKind.TRANSFER_LETTER, AttachmentKind.INVESTIGATION_REPORT)


class InvalidAttachment(DomainError):
    """A document in the package is malformed (kind, name, digest, size or storage reference)."""


class IncompleteTransferPackage(DomainError):
    """The package lacks a document Decree 310 art. 6 requires."""


@dataclass(frozen=True)
class Attachment:
    kind: AttachmentKind
    filename: str
    sha256: str
    size_bytes: int
    storage_ref: str

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", AttachmentKind(self.kind))
        except ValueError:
            kinds = ", ".join(k.value for k in AttachmentKind)
            raise InvalidAttachment(f"attachment kind {self.kind!r} is unknown; use one of {kinds}") from None
        name = (self.filename or "").strip()
        if not name or "/" in name or "\\" in name or name in {".", ".."}:
            raise InvalidAttachment(f"{self.kind.value}: filename {self.filename!r} must be a bare file name")
        digest = self.sha256.lower() if isinstance(self.sha256, str) else ""
        if not _SHA256.fullmatch(digest):
            raise InvalidAttachment(
                f"{self.kind.value} {name}: sha256 must be 64 hexadecimal characters, got {self.sha256!r}"
            )
        object.__setattr__(self, "sha256", digest)
        if isinstance(self.size_bytes, bool) or not isinstance(self.size_bytes, int) or self.size_bytes <= 0:
            raise InvalidAttachment(f"{self.kind.value} {name}: size_bytes must be a positive integer")
        if not (self.storage_ref or "").strip():
            raise InvalidAttachment(f"{self.kind.value} {name}: storage_ref is required (where the file is)")


def check_transfer_package(
    attachments: Iterable[Attachment], *, items_seized: bool = False
) -> tuple[Attachment, ...]:
    """Return the attachments if the package is complete; the list of seized items is required when
    items were seized."""
    docs = tuple(attachments)
    for doc in docs:
        if not isinstance(doc, Attachment):
            raise InvalidAttachment(f"expected an Attachment, got {doc!r}")
    present = {doc.kind for doc in docs}
    required = list(REQUIRED_ATTACHMENTS) + ([AttachmentKind.SEIZED_ITEMS_LIST] if items_seized else [])
    missing = [kind.value for kind in required if kind not in present]
    if missing:
        raise IncompleteTransferPackage(
            f"the transfer package lacks {', '.join(missing)} (Decree 310 art. 6); attach them and resubmit"
        )
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.sha256 in seen:
            raise InvalidAttachment(f"{doc.filename} duplicates {seen[doc.sha256]} (same sha256)")
        seen[doc.sha256] = doc.filename
    return docs
