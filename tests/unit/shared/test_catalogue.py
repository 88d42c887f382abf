"""Rules the hand-off catalogue (contracts/boundary/handoffs.yaml) must obey.

No I/O beyond reading YAML/markdown: the catalogue, domain.md's §3 table, and small
catalogue files written to tmp_path.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from shared.bus.catalogue import (
    EVENT_TYPE_PREFIX,
    Catalogue,
    CatalogueError,
    EventType,
    Field,
    UnknownEventType,
    catalogue,
    default_catalogue_path,
    load_catalogue,
)

DOMAIN_MD = Path(os.environ.get("FUNDLINK_DOMAIN_MD", "/work/shared/docs/domain.md"))
SERVICES = [
    "healthcare_security",
    "hs_center",
    "finance",
    "tax",
    "health_commission",
    "public_security",
    "market_regulation",
]
RECEIPT = "fundlink.public_security.case.receipt_signed.v1"
REPORTER_FIELD = re.compile(r"(?:^|_)reporter(?:$|_)")


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return catalogue()


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(default_catalogue_path().read_text(encoding="utf-8"))


def domain_handoff_ids() -> list[str]:
    assert DOMAIN_MD.exists(), f"{DOMAIN_MD} is missing: it sits in ../shared/docs (or set FUNDLINK_DOMAIN_MD)"
    rows = re.findall(r"^\|\s*(HO-\d{2})\s*\|", DOMAIN_MD.read_text(encoding="utf-8"), flags=re.M)
    assert rows, f"no '| HO-nn |' rows found in {DOMAIN_MD}"
    return rows


def walk(fields: tuple[Field, ...]):
    for f in fields:
        yield f
        yield from walk(f.fields)


# ----------------------------------------------------------------- coverage of domain.md


def test_every_handoff_in_domain_md_has_at_least_one_event_type(cat):
    missing = [ho for ho in domain_handoff_ids() if ho not in cat.handoffs or not cat.handoffs[ho].events]
    assert not missing, f"hand-offs in domain.md §3 with no event type in the catalogue: {missing}"


def test_the_catalogue_has_no_handoff_that_domain_md_lacks(cat):
    extra = sorted(set(cat.handoffs) - set(domain_handoff_ids()))
    assert not extra, f"hand-offs in the catalogue but not in domain.md §3: {extra}"


def test_each_handoff_id_appears_exactly_once_in_the_file(raw):
    counts = Counter(h["id"] for h in raw["handoffs"])
    twice = sorted(h for h, n in counts.items() if n > 1)
    assert not twice, f"hand-offs listed more than once: {twice}"
    assert sorted(counts) == [f"HO-{n:02d}" for n in range(1, 43)]


# ----------------------------------------------------------------- agencies and producers


def test_every_producer_and_consumer_is_a_known_agency(cat):
    unknown = [
        (e.name, a) for e in cat.events.values() for a in (e.producer, *e.consumers) if a not in cat.agencies
    ]
    unknown += [
        (h.id, a)
        for h in cat.handoffs.values()
        for a in (h.producer, *h.co_producers, *h.consumers)
        if a not in cat.agencies
    ]
    assert not unknown, f"unknown agencies: {unknown}"


def test_each_event_has_one_producer_whose_id_is_its_first_segment(cat):
    wrong = [e.name for e in cat.events.values() if not isinstance(e.producer, str)]
    wrong += [e.name for e in cat.events.values() if e.name.split(".")[0] != e.producer]
    assert not wrong, f"events whose producer does not prefix the name: {wrong}"


def test_event_names_are_unique_across_the_file(raw):
    counts = Counter(e["name"] for h in raw["handoffs"] for e in h["events"])
    assert not [n for n, c in counts.items() if c > 1]


def test_no_event_name_keeps_a_wildcard_or_a_second_producer(cat):
    assert not [e.name for e in cat.events.values() if "*" in e.name or e.name.count(".") != 2]


def test_services_are_the_seven_agency_services_and_everyone_else_is_external(cat):
    assert cat.services() == SERVICES
    assert {"designated_institution", "reporter", "treasury", "people_government"} <= set(
        cat.external_parties()
    )
    assert not set(cat.services()) & set(cat.external_parties())


def test_every_event_names_the_ids_it_correlates_on(cat):
    def keyed(e):  # an id, or a region and period for a duty that recurs monthly (a feed not in by the 5th)
        names = {f.name for f in e.payload}
        return any(n.endswith("_id") for n in names) or {"region_code", "period"} <= names

    without_id = [e.name for e in cat.events.values() if not keyed(e)]
    assert not without_id, f"events without a correlation identifier: {without_id}"


def test_shared_or_wildcard_sources_become_one_event_type_per_producer_or_recipient(cat):
    names = {e.name for e in cat.events.values()}
    assert {
        "healthcare_security.referral.sent_to_health_commission",
        "healthcare_security.referral.sent_to_market_regulation",
        "health_commission.referral.outcome_reported",
        "market_regulation.referral.outcome_reported",
        "finance.budget.joint_submission_sent",
    } <= names
    for agency in ("health_commission", "market_regulation", "finance", "public_security"):
        assert f"{agency}.joint_inspection.accepted" in names
    for agency in ("public_security", "hr_social_security", "tax", "civil_affairs"):
        assert f"{agency}.data_comparison.result_returned" in names
    assert cat.event("healthcare_security.referral.sent_to_market_regulation").consumers == (
        "market_regulation",
    )


def test_handoff_24_points_at_its_replies_in_other_handoffs(cat):
    ho24 = cat.handoffs["HO-24"]
    assert set(ho24.reply_events) == {
        "healthcare_security.case.evidence_handed_over",
        "healthcare_security.case.reconsideration_requested",
    }
    for name in ho24.reply_events:
        assert cat.event(name).replies_to == "public_security.case.filing_decided"
        assert cat.event(name).handoff != "HO-24"


# ----------------------------------------------------------------- confidentiality


def test_no_event_leaving_healthcare_security_carries_the_reporters_identity(cat):
    leaking = [
        (e.name, f.name)
        for e in cat.events.values()
        if e.producer == "healthcare_security" and set(e.consumers) - {"healthcare_security"}
        for f in walk(e.payload)
        if REPORTER_FIELD.search(f.name)
    ]
    assert not leaking, f"reporter identity would leave healthcare_security: {leaking}"


def test_the_reward_sent_to_finance_carries_a_reward_id_and_amounts(cat):
    approved = {f.name for f in walk(cat.event("healthcare_security.reward.approved").payload)}
    assert {"reward_id", "reward_amount_fen", "loss_amount_fen"} <= approved
    assert not {"name", "id_number"} & approved


# ----------------------------------------------------------------- lookups


def test_lookup_by_full_type_routing_key_or_bare_name_finds_the_same_event(cat):
    receipt = cat.event(RECEIPT)
    assert receipt.producer == "public_security"
    assert receipt.handoff == "HO-23"
    assert receipt.type == RECEIPT
    assert receipt.routing_key == "public_security.case.receipt_signed.v1"
    assert receipt.binding_key == "public_security.case.receipt_signed.v1.#"
    assert cat.event("public_security.case.receipt_signed.v1") is receipt
    assert cat.event("public_security.case.receipt_signed") is receipt
    assert cat.event("public_security.case.receipt_signed.v1.460100") is receipt
    assert RECEIPT in cat.events and RECEIPT.startswith(EVENT_TYPE_PREFIX)


def test_an_unknown_type_raises_a_key_error_that_names_the_type_and_the_file(cat):
    with pytest.raises(UnknownEventType) as info:
        cat.event("fundlink.tax.collection.feed_publish.v1")
    assert isinstance(info.value, KeyError)
    assert "fundlink.tax.collection.feed_publish.v1" in str(info.value)
    assert "contracts/boundary/handoffs.yaml" in str(info.value)
    with pytest.raises(UnknownEventType):
        cat.event("fundlink.tax.collection.feed_published.v2")


def test_tax_produces_the_collection_feed_and_may_not_sign_a_police_receipt(cat):
    feed = cat.event("tax.collection.feed_published")
    assert feed.handoff == "HO-01"
    assert feed in cat.produced_by("tax")
    assert all(isinstance(e, EventType) and e.producer == "tax" for e in cat.produced_by("tax"))
    assert feed in cat.consumed_by("hs_center")
    assert cat.is_producer("tax", feed.type)
    assert not cat.is_producer("tax", RECEIPT)
    assert cat.is_producer("public_security", RECEIPT)
    assert not cat.is_producer("tax", "fundlink.no.such.event.v1")


def test_default_path_is_the_repo_contract_unless_the_environment_overrides_it(monkeypatch, tmp_path):
    monkeypatch.delenv("FUNDLINK_CATALOGUE", raising=False)
    assert default_catalogue_path().parts[-3:] == ("contracts", "boundary", "handoffs.yaml")
    assert default_catalogue_path().exists()
    monkeypatch.setenv("FUNDLINK_CATALOGUE", str(tmp_path / "other.yaml"))
    assert default_catalogue_path() == tmp_path / "other.yaml"


# ----------------------------------------------------------------- the loader rejects bad files


def _event(
    name: str = "tax.collection.feed_published",
    *,
    producer: object = None,
    consumers=("hs_center",),
    fields=None,
) -> dict:
    return {
        "name": name,
        "version": 1,
        "producer": producer if producer is not None else name.split(".")[0],
        "consumers": list(consumers),
        "role": "notice",
        "replies_to": None,
        "summary": "A test event.",
        "payload": fields or [{"name": "feed_id", "type": "string", "required": True, "description": "Id."}],
    }


def _write(tmp_path: Path, events: list[dict], *, handoff_ids=("HO-01",)) -> Path:
    agencies = [
        {"id": "tax", "zh": "税务局", "en": "Tax bureau", "service": True},
        {"id": "hs_center", "zh": "医保中心", "en": "Handling center", "service": True},
        {"id": "healthcare_security", "zh": "医疗保障局", "en": "Bureau", "service": True},
        {"id": "reporter", "zh": "举报人", "en": "Whistle-blower", "service": False},
    ]
    handoffs = [
        {
            "id": hid,
            "title": "Test hand-off",
            "producer": "tax",
            "consumers": ["hs_center"],
            "trigger": "test",
            "legal_basis": ["a law"],
            "seed": [],
            "deadline": None,
            "on_late": "alert",
            "events": events if i == 0 else [_event(f"tax.other.event_{i}")],
        }
        for i, hid in enumerate(handoff_ids)
    ]
    doc = {"version": 1, "timezone": "Asia/Shanghai", "agencies": agencies, "handoffs": handoffs}
    path = tmp_path / "handoffs.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_minimal_well_formed_file_loads(tmp_path):
    small = load_catalogue(_write(tmp_path, [_event()]))
    assert list(small.events) == ["fundlink.tax.collection.feed_published.v1"]


def test_load_rejects_a_duplicated_event_name_and_names_it(tmp_path):
    path = _write(tmp_path, [_event(), _event()])
    with pytest.raises(
        CatalogueError, match=r"event name 'tax\.collection\.feed_published' is defined twice"
    ):
        load_catalogue(path)


def test_load_rejects_an_unknown_agency_and_names_it(tmp_path):
    path = _write(tmp_path, [_event(consumers=("hs_center", "ministry_of_magic"))])
    with pytest.raises(CatalogueError, match=r"unknown agency 'ministry_of_magic'"):
        load_catalogue(path)


@pytest.mark.parametrize(
    ("events", "ids", "problem"),
    [
        ([_event(producer="hs_center")], ("HO-01",), r"first segment 'tax' is not its producer 'hs_center'"),
        ([_event(producer=["tax", "hs_center"])], ("HO-01",), r"exactly one producer"),
        ([_event()], ("HO-01", "HO-03"), r"missing: HO-02"),
        ([_event()], ("HO-01", "HO-01"), r"HO-01 appears twice"),
        (
            [_event(fields=[{"name": "amount", "type": "money", "required": True, "description": "x"}])],
            ("HO-01",),
            r"type 'money' is not one of",
        ),
    ],
    ids=["producer-prefix", "two-producers", "gap-in-ids", "duplicate-id", "bad-field-type"],
)
def test_load_rejects_other_broken_rules_and_names_the_problem(tmp_path, events, ids, problem):
    with pytest.raises(CatalogueError, match=problem):
        load_catalogue(_write(tmp_path, events, handoff_ids=ids))


def test_load_rejects_a_reporter_identity_field_leaving_healthcare_security(tmp_path):
    leaking = _event(
        "healthcare_security.reward.approved",
        consumers=("tax",),
        fields=[
            {"name": "reward_id", "type": "string", "required": True, "description": "Id."},
            {"name": "reporter_id_number", "type": "string", "required": True, "description": "Leak."},
        ],
    )
    path = _write(tmp_path, [_event(), leaking])
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["handoffs"][0]["consumers"].append("healthcare_security")
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"'reporter_id_number' would carry the reporter's identity"):
        load_catalogue(path)


def test_load_names_a_missing_file(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "absent.yaml")
