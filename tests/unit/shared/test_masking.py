"""Personal identifiers never reach a log line unmasked."""

import io
import json
import logging
import re

import structlog

from shared.masking import MASK, MaskingFilter, mask_event_dict, mask_text, mask_value

ID_NUMBER = "460100199001011234"
ID_NUMBER_X = "46010019900101123X"
CREDIT_CODE = "91460100MA5T000001"
ID_PATTERN = re.compile(r"\d{17}[\dXx]")


def test_an_id_number_keeps_only_its_first_four_and_last_two_characters():
    assert mask_text(f"suspect {ID_NUMBER} refused") == "suspect 4601************34 refused"
    assert mask_text(ID_NUMBER_X) == "4601************3X"


def test_a_unified_credit_code_is_masked():
    assert mask_text(f"employer={CREDIT_CODE};") == "employer=9146************01;"


def test_a_mobile_number_is_masked():
    assert mask_text("call 13812345678 now") == "call 1381*****78 now"


def test_ids_machines_use_are_left_alone():
    for text in ("ce_id=5b0e6f1c-8d2a-4a43-9f3e-2f6c0d7b1a90", "key 1f2e3d4c5b6a7980", "C-2026-000123",
                 "sha256 " + "a1" * 32, "amount_fen=1234567890", "FEED-a1b2c3d4e5", "period 2026-10"):
        assert mask_text(text) == text


def test_values_under_sensitive_keys_are_masked_whole_however_nested():
    value = {"report_id": "R-1", "reporter": {"name": "张三", "phone": "13812345678"},
             "items": [{"id_number": ID_NUMBER}], "note": f"id {ID_NUMBER}"}
    assert mask_value(value) == {"report_id": "R-1", "reporter": MASK, "items": [{"id_number": MASK}],
                                 "note": "id 4601************34"}


def test_the_structlog_processor_masks_fields_and_leaves_bookkeeping():
    record = object()
    out = mask_event_dict(None, "info", {"event": f"got {ID_NUMBER}", "reporter_name": "张三",
                                          "_record": record, "agency": "healthcare_security"})
    assert out == {"event": "got 4601************34", "reporter_name": MASK, "_record": record,
                   "agency": "healthcare_security"}


def test_a_plain_logging_record_is_masked_by_the_filter():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("test_masking.plain")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("payer %s owes %s", CREDIT_CODE, 100)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "payer 9146************01 owes 100\n"


def test_a_json_log_line_through_structlog_carries_no_id_number_or_reporter_name():
    stream = io.StringIO()
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder()],
        processors=[structlog.processors.format_exc_info, mask_event_dict,
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("test_masking.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("report %s from %s", "R-1", ID_NUMBER, extra={"reporter": "张三"})
        try:
            raise ValueError(f"bad suspect {ID_NUMBER}")
        except ValueError:
            logger.exception("handler failed")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    text = stream.getvalue()
    assert not ID_PATTERN.search(text) and "张三" not in text
    assert lines[0]["reporter"] == MASK and lines[0]["event"] == "report R-1 from 4601************34"
    assert "4601************34" in lines[1]["exception"]
