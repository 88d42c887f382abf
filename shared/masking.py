"""Personal data stays out of logs: mask it on its way to a log line.

Two rules, applied to every log line (see ``docs/security.md``):

* Any value under a key known to hold personal data (``reporter``, ``reporter_name``, ``id_number``,
  ``phone`` …) is replaced whole by ``[masked]``, however it is nested.
* In all other text, an 18-character PRC resident ID number (居民身份证号码) or unified social credit
  code (统一社会信用代码), and a mainland mobile number, keep their first four and last two
  characters and lose the rest: ``4601************1X``.

Metric labels never carry such values in the first place (agency, event type, deadline and reason
kinds only); ``mask_text`` is there for any code that must build a label from input.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "[masked]"
SENSITIVE_KEYS = frozenset({
    "reporter", "reporter_name", "reporter_id", "reporter_id_number", "reporter_phone", "reporter_contact",
    "id_number", "id_no", "id_card", "identity_number", "citizen_id", "suspect_id_number", "phone", "mobile",
    "contact_phone", "password", "token", "authorization",
})
_EDGE_L, _EDGE_R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
# Resident ID: 17 digits and a digit or X. Credit code: GB 32100-2015's alphabet (no I, O, S, V, Z).
_CODE = "0-9A-HJ-NPQRTUWXY"
PATTERNS = (
    re.compile(_EDGE_L + r"\d{17}[\dXx]" + _EDGE_R),
    re.compile(_EDGE_L + f"[{_CODE}]{{2}}\\d{{6}}[{_CODE}]{{10}}" + _EDGE_R),
    re.compile(_EDGE_L + r"1[3-9]\d{9}" + _EDGE_R),
)


def _star(match: re.Match) -> str:
    text = match.group(0)
    return text[:4] + "*" * (len(text) - 6) + text[-2:]


def mask_text(text: str) -> str:
    for pattern in PATTERNS:
        text = pattern.sub(_star, text)
    return text


def mask_value(value: Any, key: str | None = None) -> Any:
    """Mask a value found under ``key``; dicts, lists and tuples are walked."""
    if key is not None and key.lower() in SENSITIVE_KEYS and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(v) for v in value)
    return value


def mask_event_dict(_logger, _method: str, event_dict: dict) -> dict:
    """structlog processor: put it after everything that adds fields and before the renderer."""
    out = {}
    for key, value in event_dict.items():
        if key.startswith("_"):  # structlog's own bookkeeping (_record, _from_structlog)
            out[key] = value
        elif key == "exc_info" and value and not isinstance(value, str):
            out[key] = value  # rendered to text by format_exc_info first, when that runs before us
        else:
            out[key] = mask_value(value, key)
    return out


class MaskingFilter(logging.Filter):
    """For plain ``logging`` handlers: mask the message and arguments of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logged as it is
            return True
        record.msg, record.args = mask_text(message), None
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
