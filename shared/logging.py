"""Structured JSON logs (structlog) that carry the agency on every line, with personal data masked
(shared/masking.py: ID numbers, credit codes, phone numbers, the reporter)."""

from __future__ import annotations

import logging
import sys

import structlog

from shared.masking import mask_event_dict


def configure(agency: str, level: int = logging.INFO) -> None:
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    shared = [structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level, structlog.stdlib.ExtraAdder(),
              timestamper]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            lambda _l, _m, event: {**event, "agency": agency},
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # tracebacks become text, so they are masked too
            mask_event_dict,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("nameko").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.WARNING)
