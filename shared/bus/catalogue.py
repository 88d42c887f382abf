"""The hand-off catalogue: contracts/boundary/handoffs.yaml as typed, validated objects.

Every event type, payload contract, queue binding and producer/consumer permission in
fundlink derives from that one file. This module reads it (and nothing else), checks
that it is consistent, and answers questions such as "which agency may publish this
type?" or "which types does this agency consume?".

Naming: an event *name* is ``<producer>.<entity>.<action>`` (``tax.collection.feed_published``).
Its CloudEvents ``type`` is ``fundlink.<name>.v<version>``; its AMQP routing key is
``<name>.v<version>``, to which publishers append ``.<region_code>``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CATALOGUE_ENV",
    "DEADLINE_KINDS",
    "DEADLINE_SOURCES",
    "EVENT_TYPE_PREFIX",
    "ROLES",
    "Agency",
    "BoundaryMatter",
    "Catalogue",
    "CatalogueError",
    "DeadlineSpec",
    "EventType",
    "Field",
    "Handoff",
    "SeedRef",
    "UnknownEventType",
    "catalogue",
    "default_catalogue_path",
    "is_reporter_identity_field",
    "load_catalogue",
]

EVENT_TYPE_PREFIX = "fundlink."
CATALOGUE_ENV = "FUNDLINK_CATALOGUE"
CATALOGUE_RELPATH = "contracts/boundary/handoffs.yaml"

ROLES = frozenset({"request", "reply", "notice"})
DEADLINE_KINDS = frozenset({"calendar", "working", "fixed_date", "hours", "dekad", "quarterly", "annual"})
DEADLINE_SOURCES = frozenset({"seed", "outside_seeds", "design"})
FIELD_TYPES = frozenset(
    {"string", "int", "bool", "date", "datetime", "fen", "object", "list[string]", "list[object]"}
)
_COMPOSITE_TYPES = frozenset({"object", "list[object]"})

_SNAKE = r"[a-z][a-z0-9_]*"
_EVENT_NAME_RE = re.compile(rf"^{_SNAKE}\.{_SNAKE}\.{_SNAKE}$")
_SNAKE_RE = re.compile(rf"^{_SNAKE}$")
_ENUM_RE = re.compile(r"^enum\[([a-z0-9_]+(?:,[a-z0-9_]+)*)\]$")
_HANDOFF_ID_RE = re.compile(r"^HO-(\d{2,})$")
# "fundlink.<name>.vN", "<name>.vN", "<name>.vN.<region>" or a bare "<name>".
_LOOKUP_RE = re.compile(
    rf"^(?:{re.escape(EVENT_TYPE_PREFIX)})?(?P<name>{_SNAKE}\.{_SNAKE}\.{_SNAKE})"
    r"(?:\.v(?P<version>\d+)(?:\.[^.]+)?)?$"
)
# A field that names the whistle-blower ("reporter", "reporter_name", "anonymous_reporter", ...).
_REPORTER_RE = re.compile(r"(?:^|_)reporter(?:$|_)")

_HANDOFF_KEYS = frozenset(
    {
        "id",
        "title",
        "boundary_matters",
        "producer",
        "co_producers",
        "consumers",
        "trigger",
        "legal_basis",
        "seed",
        "deadline",
        "on_late",
        "note",
        "events",
        "reply_events",
    }
)
_EVENT_KEYS = frozenset(
    {"name", "version", "producer", "consumers", "role", "replies_to", "summary", "payload", "note"}
)
_FIELD_KEYS = frozenset({"name", "type", "required", "description", "fields"})
_DEADLINE_KEYS = frozenset(
    {"kind", "days", "hours", "day_of_month", "month", "anchor", "basis", "source", "rolls_on_holiday"}
)


class CatalogueError(ValueError):
    """The catalogue file is unreadable or inconsistent; ``problems`` lists each issue."""

    def __init__(self, path: Path | str, problems: Iterable[str]):
        self.path = Path(path)
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{self.path}: {count} problem{'s' if count != 1 else ''} in the hand-off catalogue:\n{lines}"
        )


class UnknownEventType(KeyError):
    """Raised by :meth:`Catalogue.event` for a type that the catalogue does not define."""

    def __init__(self, type_or_name: str, suggestions: Iterable[str] = ()):
        super().__init__(type_or_name)
        self.type_or_name = type_or_name
        self.suggestions = tuple(suggestions)

    def __str__(self) -> str:
        msg = f"unknown event type {self.type_or_name!r}: it is not in {CATALOGUE_RELPATH}"
        if self.suggestions:
            msg += " (did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?)"
        return msg


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: str
    fields: tuple[Field, ...] = ()  # members of an object / list[object] field

    @property
    def enum_values(self) -> tuple[str, ...] | None:
        m = _ENUM_RE.match(self.type)
        return tuple(m.group(1).split(",")) if m else None


@dataclass(frozen=True)
class SeedRef:
    file: str
    lines: tuple[int, ...]


@dataclass(frozen=True)
class DeadlineSpec:
    kind: str
    days: int | None
    hours: int | None
    day_of_month: int | None  # -1 = last day of the month
    month: int | None  # annual: month of year (1-12); quarterly: month within the quarter (1-3)
    anchor: str
    basis: str
    source: str
    rolls_on_holiday: bool


@dataclass(frozen=True)
class Agency:
    id: str
    zh: str
    en: str
    service: bool


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    handoff: str
    producer: str
    consumers: tuple[str, ...]
    role: str
    replies_to: str | None
    summary: str
    payload: tuple[Field, ...]
    note: str | None = None

    @property
    def type(self) -> str:
        """CloudEvents ``type``: ``fundlink.<name>.v<version>``."""
        return f"{EVENT_TYPE_PREFIX}{self.name}.v{self.version}"

    @property
    def routing_key(self) -> str:
        """``<name>.v<version>``; publishers append ``.<region_code>``."""
        return f"{self.name}.v{self.version}"

    @property
    def binding_key(self) -> str:
        """Topic binding that matches this type in every region."""
        return f"{self.routing_key}.#"


@dataclass(frozen=True)
class Handoff:
    id: str
    title: str
    producer: str
    consumers: tuple[str, ...]
    trigger: str
    deadline: DeadlineSpec | None
    on_late: str
    legal_basis: tuple[str, ...]
    seed: tuple[SeedRef, ...]
    events: tuple[EventType, ...]
    reply_events: tuple[str, ...]
    co_producers: tuple[str, ...] = ()
    boundary_matters: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class BoundaryMatter:
    id: str
    title_zh: str
    title_en: str
    jurisdiction: str
    duties: tuple[tuple[str, str], ...]  # (agency id, duty)
    legal_basis: tuple[str, ...]
    seed: tuple[SeedRef, ...]


def is_reporter_identity_field(field: Field) -> bool:
    """True when ``field`` (or any member of it) names the whistle-blower."""
    return bool(_reporter_field_paths((field,)))


def _reporter_field_paths(fields: Iterable[Field], prefix: str = "") -> list[str]:
    found = []
    for f in fields:
        path = f"{prefix}{f.name}"
        if _REPORTER_RE.search(f.name):
            found.append(path)
        found.extend(_reporter_field_paths(f.fields, f"{path}."))
    return found


class Catalogue:
    """The loaded catalogue. ``events`` is keyed by full CloudEvents type, in file order."""

    def __init__(
        self,
        agencies: dict[str, Agency],
        handoffs: dict[str, Handoff],
        events: dict[str, EventType],
        boundary_matters: dict[str, BoundaryMatter] | None = None,
        path: Path | None = None,
    ):
        self.agencies = agencies
        self.handoffs = handoffs
        self.events = events
        self.boundary_matters = boundary_matters or {}
        self.path = path
        self._by_routing_key = {e.routing_key: e for e in events.values()}
        self._latest: dict[str, EventType] = {}
        for e in events.values():
            current = self._latest.get(e.name)
            if current is None or e.version > current.version:
                self._latest[e.name] = e

    def __repr__(self) -> str:
        return f"<Catalogue {len(self.handoffs)} hand-offs, {len(self.events)} event types from {self.path}>"

    def event(self, type_or_name: str) -> EventType:
        """Look up a full type, a ``name.vN`` routing key (region suffix allowed) or a bare name."""
        m = _LOOKUP_RE.match(type_or_name) if isinstance(type_or_name, str) else None
        found = None
        if m:
            if m["version"] is None:
                found = self._latest.get(m["name"])
            else:
                found = self._by_routing_key.get(f"{m['name']}.v{int(m['version'])}")
        if found is None:
            guess = str(type_or_name).removeprefix(EVENT_TYPE_PREFIX)
            raise UnknownEventType(
                str(type_or_name), difflib.get_close_matches(guess, list(self._by_routing_key), n=2)
            )
        return found

    def produced_by(self, agency: str) -> list[EventType]:
        return [e for e in self.events.values() if e.producer == agency]

    def consumed_by(self, agency: str) -> list[EventType]:
        return [e for e in self.events.values() if agency in e.consumers]

    def is_producer(self, agency: str, type_or_name: str) -> bool:
        """Whether ``agency`` is the one producer of the type; False for unknown types."""
        try:
            return self.event(type_or_name).producer == agency
        except UnknownEventType:
            return False

    def services(self) -> list[str]:
        return [a.id for a in self.agencies.values() if a.service]

    def external_parties(self) -> list[str]:
        return [a.id for a in self.agencies.values() if not a.service]


def default_catalogue_path() -> Path:
    """``$FUNDLINK_CATALOGUE`` if set, else ``<repo>/contracts/boundary/handoffs.yaml``."""
    override = os.environ.get(CATALOGUE_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / CATALOGUE_RELPATH


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Read and validate the catalogue; raise :class:`CatalogueError` naming every problem."""
    p = Path(path) if path is not None else default_catalogue_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(p, [f"cannot read the file: {exc}"]) from exc
    try:
        # libyaml's loader when PyYAML has it: ~0.07 s instead of ~0.4 s at every service and CLI start.
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise CatalogueError(p, [f"not valid YAML: {exc}"]) from exc
    return _Loader(p).build(doc)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The default catalogue, loaded once per process (``catalogue.cache_clear()`` reloads)."""
    return load_catalogue()


# --------------------------------------------------------------------------- loading


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


class _Loader:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []
        self.agencies: dict[str, Agency] = {}

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def build(self, doc: Any) -> Catalogue:
        if not isinstance(doc, Mapping):
            raise CatalogueError(self.path, ["the top level must be a mapping"])
        if doc.get("version") != 1:
            self.problem(f"version must be 1, not {doc.get('version')!r}")
        if not _is_text(doc.get("timezone")):
            self.problem("timezone is missing")
        self._agencies(doc.get("agencies"))
        matters = self._matters(doc.get("boundary_matters") or [])
        handoffs = self._handoffs(doc.get("handoffs"), matters)
        events = {e.type: e for h in handoffs.values() for e in h.events}
        if self.problems:
            raise CatalogueError(self.path, self.problems)
        return Catalogue(dict(self.agencies), handoffs, events, matters, self.path)

    # ---- agencies and boundary matters

    def _agencies(self, raw: Any) -> None:
        if not isinstance(raw, list) or not raw:
            self.problem("agencies must be a non-empty list")
            return
        for i, entry in enumerate(raw):
            where = f"agencies[{i}]"
            if not isinstance(entry, Mapping):
                self.problem(f"{where} must be a mapping")
                continue
            aid = entry.get("id")
            if not isinstance(aid, str) or not _SNAKE_RE.match(aid):
                self.problem(f"{where}: id {aid!r} must be a snake_case string")
                continue
            if aid in self.agencies:
                self.problem(f"agency {aid!r} is listed twice")
                continue
            if not isinstance(entry.get("service"), bool):
                self.problem(f"agency {aid!r}: service must be true or false")
            for key in ("zh", "en"):
                if not _is_text(entry.get(key)):
                    self.problem(f"agency {aid!r}: {key} is missing")
            self.agencies[aid] = Agency(
                aid, str(entry.get("zh", "")), str(entry.get("en", "")), entry.get("service") is True
            )

    def _known_agency(self, value: Any, where: str) -> bool:
        if not isinstance(value, str):
            self.problem(f"{where}: {value!r} is not an agency id")
            return False
        if value not in self.agencies:
            self.problem(f"{where}: unknown agency {value!r} (not under agencies:)")
            return False
        return True

    def _agency_list(self, raw: Any, where: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        if raw is None and allow_empty:
            return ()
        if not isinstance(raw, list) or (not raw and not allow_empty):
            self.problem(f"{where} must be a {'' if allow_empty else 'non-empty '}list of agency ids")
            return ()
        if len(set(map(str, raw))) != len(raw):
            self.problem(f"{where} lists an agency twice")
        return tuple(a for a in raw if self._known_agency(a, where))

    def _seed(self, raw: Any, where: str) -> tuple[SeedRef, ...]:
        items = [raw] if isinstance(raw, Mapping) else raw
        if not isinstance(items, list):
            self.problem(f"{where}: seed must be a list of {{file, lines}}")
            return ()
        refs = []
        for ref in items:
            lines = ref.get("lines") if isinstance(ref, Mapping) else None
            if (
                not isinstance(ref, Mapping)
                or not _is_text(ref.get("file"))
                or not isinstance(lines, list)
                or not lines
                or not all(_is_int(n) and n > 0 for n in lines)
            ):
                self.problem(f"{where}: seed reference {ref!r} needs file and lines [first, last]")
                continue
            refs.append(SeedRef(ref["file"], tuple(lines)))
        return tuple(refs)

    def _matters(self, raw: Any) -> dict[str, BoundaryMatter]:
        matters: dict[str, BoundaryMatter] = {}
        if not isinstance(raw, list):
            self.problem("boundary_matters must be a list")
            return matters
        for i, entry in enumerate(raw):
            if not isinstance(entry, Mapping) or not _is_text(entry.get("id")):
                self.problem(f"boundary_matters[{i}] needs an id")
                continue
            mid = entry["id"]
            where = f"boundary matter {mid}"
            if mid in matters:
                self.problem(f"{where} is listed twice")
                continue
            duties = []
            for d in entry.get("agencies") or []:
                if isinstance(d, Mapping) and self._known_agency(d.get("agency"), where):
                    duties.append((d["agency"], str(d.get("duty", ""))))
            basis = []
            for b in entry.get("legal_basis") or []:
                if isinstance(b, Mapping):
                    zh, en = b.get("zh", ""), b.get("en", "")
                    basis.append(f"{zh} ({en})" if zh and en else str(zh or en))
                else:
                    basis.append(str(b))
            matters[mid] = BoundaryMatter(
                id=mid,
                title_zh=str(entry.get("title_zh", "")),
                title_en=str(entry.get("title_en", "")),
                jurisdiction=str(entry.get("jurisdiction", "")),
                duties=tuple(duties),
                legal_basis=tuple(basis),
                seed=self._seed(entry.get("seed") or [], where),
            )
        return matters

    # ---- hand-offs

    def _handoffs(self, raw: Any, matters: Mapping[str, BoundaryMatter]) -> dict[str, Handoff]:
        if not isinstance(raw, list) or not raw:
            self.problem("handoffs must be a non-empty list")
            return {}
        handoffs: dict[str, Handoff] = {}
        numbers: list[int] = []
        for i, entry in enumerate(raw):
            if not isinstance(entry, Mapping):
                self.problem(f"handoffs[{i}] must be a mapping")
                continue
            hid = entry.get("id")
            m = _HANDOFF_ID_RE.match(hid) if isinstance(hid, str) else None
            if not m:
                self.problem(f"handoffs[{i}]: id {hid!r} must look like HO-01")
                continue
            if hid in handoffs:
                self.problem(f"hand-off {hid} appears twice")
                continue
            numbers.append(int(m.group(1)))
            handoffs[hid] = self._handoff(hid, entry, matters)
        if numbers:
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            if missing:
                width = max(2, len(str(max(numbers))))
                self.problem(
                    f"hand-off ids must run HO-01..HO-{max(numbers):0{width}d} without gaps; missing: "
                    + ", ".join(f"HO-{n:0{width}d}" for n in missing)
                )
        self._cross_checks(handoffs)
        return handoffs

    def _handoff(self, hid: str, entry: Mapping[str, Any], matters: Mapping[str, BoundaryMatter]) -> Handoff:
        for key in sorted(set(entry) - _HANDOFF_KEYS):
            self.problem(f"hand-off {hid}: unknown key {key!r}")
        for key in ("title", "trigger", "on_late"):
            if not _is_text(entry.get(key)):
                self.problem(f"hand-off {hid}: {key} is missing")
        producer = entry.get("producer")
        if isinstance(producer, list):
            self.problem(f"hand-off {hid}: producer must be one agency id (list others under co_producers)")
        else:
            self._known_agency(producer, f"hand-off {hid} producer")
        co_producers = self._agency_list(
            entry.get("co_producers"), f"hand-off {hid} co_producers", allow_empty=True
        )
        consumers = self._agency_list(entry.get("consumers"), f"hand-off {hid} consumers")
        legal_basis = entry.get("legal_basis")
        if not isinstance(legal_basis, list) or not legal_basis or not all(_is_text(b) for b in legal_basis):
            self.problem(f"hand-off {hid}: legal_basis must be a non-empty list of strings")
            legal_basis = []
        matter_ids = entry.get("boundary_matters") or []
        for mid in matter_ids:
            if mid not in matters:
                self.problem(f"hand-off {hid}: unknown boundary matter {mid!r}")
        reply_events = entry.get("reply_events") or []
        if not isinstance(reply_events, list) or not all(isinstance(r, str) for r in reply_events):
            self.problem(f"hand-off {hid}: reply_events must be a list of event names")
            reply_events = []
        note = entry.get("note")
        if note is not None and not _is_text(note):
            self.problem(f"hand-off {hid}: note must be text")
        parties = {producer, *co_producers, *consumers}
        raw_events = entry.get("events")
        events: list[EventType] = []
        if not isinstance(raw_events, list) or not raw_events:
            self.problem(f"hand-off {hid}: events must list at least one event type")
        else:
            for j, ev in enumerate(raw_events):
                built = self._event(hid, j, ev, parties)
                if built is not None:
                    events.append(built)
        return Handoff(
            id=hid,
            title=str(entry.get("title", "")),
            producer=producer if isinstance(producer, str) else "",
            consumers=consumers,
            trigger=str(entry.get("trigger", "")),
            deadline=self._deadline(hid, entry.get("deadline")),
            on_late=str(entry.get("on_late", "")),
            legal_basis=tuple(legal_basis),
            seed=self._seed(entry.get("seed", []), f"hand-off {hid}"),
            events=tuple(events),
            reply_events=tuple(reply_events),
            co_producers=co_producers,
            boundary_matters=tuple(str(m) for m in matter_ids),
            note=note if isinstance(note, str) else None,
        )

    def _deadline(self, hid: str, raw: Any) -> DeadlineSpec | None:
        if raw is None:
            return None
        where = f"hand-off {hid} deadline"
        if not isinstance(raw, Mapping):
            self.problem(f"{where} must be a mapping or null")
            return None
        for key in sorted(set(raw) - _DEADLINE_KEYS):
            self.problem(f"{where}: unknown key {key!r}")
        kind, source = raw.get("kind"), raw.get("source")
        if kind not in DEADLINE_KINDS:
            self.problem(f"{where}: kind {kind!r} is not one of {sorted(DEADLINE_KINDS)}")
        if source not in DEADLINE_SOURCES:
            self.problem(f"{where}: source {source!r} is not one of {sorted(DEADLINE_SOURCES)}")
        if not _is_text(raw.get("basis")):
            self.problem(f"{where}: basis is missing")
        numbers = {k: raw.get(k) for k in ("days", "hours", "day_of_month", "month")}
        for key, value in numbers.items():
            if value is not None and not _is_int(value):
                self.problem(f"{where}: {key} must be an integer")
                numbers[key] = None
        needs = {
            "calendar": {"days"},
            "working": {"days"},
            "hours": {"hours"},
            "fixed_date": {"day_of_month"},
            "annual": {"day_of_month", "month"},
        }.get(kind, set())
        allowed = needs | ({"day_of_month", "month"} if kind == "quarterly" else set())
        for key, value in numbers.items():
            if key in needs and value is None:
                self.problem(f"{where}: a {kind} deadline needs {key}")
            elif key not in allowed and value is not None:
                self.problem(f"{where}: {key} does not apply to a {kind} deadline")
        if numbers["days"] is not None and numbers["days"] < 1:
            self.problem(f"{where}: days must be at least 1")
        if numbers["hours"] is not None and numbers["hours"] < 1:
            self.problem(f"{where}: hours must be at least 1")
        dom = numbers["day_of_month"]
        if dom is not None and not (1 <= dom <= 31 or dom == -1):
            self.problem(f"{where}: day_of_month must be 1..31 or -1 (last day)")
        month = numbers["month"]
        if month is not None and not 1 <= month <= (3 if kind == "quarterly" else 12):
            self.problem(f"{where}: month {month} is out of range for a {kind} deadline")
        if kind == "quarterly" and (dom is None) != (month is None):
            self.problem(f"{where}: a quarterly date needs both month and day_of_month")
        rolls = raw.get("rolls_on_holiday", kind == "calendar")
        if not isinstance(rolls, bool):
            self.problem(f"{where}: rolls_on_holiday must be true or false")
            rolls = False
        return DeadlineSpec(
            kind=str(kind),
            days=numbers["days"],
            hours=numbers["hours"],
            day_of_month=dom,
            month=month,
            anchor=str(raw.get("anchor") or ""),
            basis=str(raw.get("basis") or ""),
            source=str(source),
            rolls_on_holiday=rolls,
        )

    # ---- events and payloads

    def _event(self, hid: str, index: int, raw: Any, parties: set[Any]) -> EventType | None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            self.problem(f"hand-off {hid}: events[{index}] needs a name")
            return None
        name = raw["name"]
        where = f"event {name} ({hid})"
        for key in sorted(set(raw) - _EVENT_KEYS):
            self.problem(f"{where}: unknown key {key!r}")
        if not _EVENT_NAME_RE.match(name):
            self.problem(f"{where}: name must be <producer>.<entity>.<action> in snake_case")
        version = raw.get("version")
        if not _is_int(version) or version < 1:
            self.problem(f"{where}: version must be a positive integer")
            version = 1
        producer = raw.get("producer")
        if not isinstance(producer, str):
            self.problem(f"{where}: must have exactly one producer, got {producer!r}")
            producer = ""
        elif self._known_agency(producer, f"{where} producer"):
            prefix = name.split(".", 1)[0]
            if prefix != producer:
                self.problem(f"{where}: first segment {prefix!r} is not its producer {producer!r}")
            if producer not in parties:
                self.problem(f"{where}: producer {producer!r} is not a party of the hand-off")
        consumers = self._agency_list(raw.get("consumers"), f"{where} consumers")
        role = raw.get("role")
        replies_to = raw.get("replies_to")
        if role not in ROLES:
            self.problem(f"{where}: role {role!r} is not one of {sorted(ROLES)}")
        if replies_to is not None and not isinstance(replies_to, str):
            self.problem(f"{where}: replies_to must be an event name or null")
            replies_to = None
        if role == "reply" and replies_to is None:
            self.problem(f"{where}: a reply must name the event it answers in replies_to")
        if role in ("request", "notice") and replies_to is not None:
            self.problem(f"{where}: only a reply may have replies_to")
        if not _is_text(raw.get("summary")):
            self.problem(f"{where}: summary is missing")
        note = raw.get("note")
        if note is not None and not _is_text(note):
            self.problem(f"{where}: note must be text")
        raw_payload = raw.get("payload")
        if not isinstance(raw_payload, list) or not raw_payload:
            self.problem(f"{where}: payload must list at least one field")
            raw_payload = []
        payload = self._fields(raw_payload, where)
        if producer == "healthcare_security" and set(consumers) - {"healthcare_security"}:
            for path in _reporter_field_paths(payload):
                self.problem(
                    f"{where}: field {path!r} would carry the reporter's identity out of "
                    "healthcare_security (002:115 keeps it confidential)"
                )
        return EventType(
            name=name,
            version=version,
            handoff=hid,
            producer=producer,
            consumers=consumers,
            role=str(role),
            replies_to=replies_to,
            summary=str(raw.get("summary", "")),
            payload=payload,
            note=note if isinstance(note, str) else None,
        )

    def _fields(self, raw: list[Any], where: str) -> tuple[Field, ...]:
        fields: list[Field] = []
        seen: set[str] = set()
        for i, f in enumerate(raw):
            if not isinstance(f, Mapping) or not isinstance(f.get("name"), str):
                self.problem(f"{where}: payload field #{i + 1} needs a name")
                continue
            fname = f["name"]
            at = f"{where} field {fname!r}"
            for key in sorted(set(f) - _FIELD_KEYS):
                self.problem(f"{at}: unknown key {key!r}")
            if not _SNAKE_RE.match(fname):
                self.problem(f"{at}: name must be snake_case")
            if fname in seen:
                self.problem(f"{at} is defined twice")
            seen.add(fname)
            ftype = f.get("type")
            enum = _ENUM_RE.match(ftype) if isinstance(ftype, str) else None
            if not isinstance(ftype, str) or (ftype not in FIELD_TYPES and not enum):
                self.problem(f"{at}: type {ftype!r} is not one of {sorted(FIELD_TYPES)} or enum[a,b,...]")
                ftype = str(ftype)
            elif enum and len(set(enum.group(1).split(","))) != len(enum.group(1).split(",")):
                self.problem(f"{at}: enum repeats a value")
            if not isinstance(f.get("required"), bool):
                self.problem(f"{at}: required must be true or false")
            if not _is_text(f.get("description")):
                self.problem(f"{at}: description is missing")
            members: tuple[Field, ...] = ()
            sub = f.get("fields")
            if ftype in _COMPOSITE_TYPES:
                if not isinstance(sub, list) or not sub:
                    self.problem(f"{at}: a {ftype} field must describe its members under fields")
                else:
                    members = self._fields(sub, f"{where} field {fname}")
            elif sub is not None:
                self.problem(f"{at}: only object and list[object] fields have members")
            fields.append(
                Field(fname, ftype, f.get("required") is True, str(f.get("description", "")), members)
            )
        return tuple(fields)

    # ---- whole-file checks

    def _cross_checks(self, handoffs: Mapping[str, Handoff]) -> None:
        owner: dict[str, Handoff] = {}
        for h in handoffs.values():
            for e in h.events:
                if e.name in owner:
                    self.problem(f"event name {e.name!r} is defined twice ({owner[e.name].id} and {h.id})")
                else:
                    owner[e.name] = h
        for h in handoffs.values():
            for e in h.events:
                if e.replies_to is None:
                    continue
                if e.replies_to == e.name:
                    self.problem(f"event {e.name} ({h.id}) replies to itself")
                    continue
                answered = owner.get(e.replies_to)
                if answered is None:
                    self.problem(f"event {e.name} ({h.id}) replies to unknown event {e.replies_to!r}")
                elif answered.id != h.id and e.name not in answered.reply_events:
                    self.problem(
                        f"hand-off {answered.id} must list {e.name} under reply_events "
                        f"(it answers {e.replies_to})"
                    )
            own = {e.name for e in h.events}
            for r in h.reply_events:
                target = owner.get(r)
                if target is None:
                    self.problem(f"hand-off {h.id}: reply_events names unknown event {r!r}")
                elif target.id == h.id:
                    self.problem(f"hand-off {h.id}: {r} is one of its own events, not a reply from elsewhere")
                else:
                    answered_name = next(e.replies_to for e in target.events if e.name == r)
                    if answered_name not in own:
                        self.problem(f"hand-off {h.id}: {r} does not answer any of its events")
