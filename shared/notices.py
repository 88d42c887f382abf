"""Notices: events an agency is a catalogued consumer of only to know where a matter stands (a copy of a
review, an approval by the government or congress). Kept as received, with signer and time, in a table of the
agency's own, and listed to its officers. One table shape for every agency that keeps them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session


def notice_table(metadata: MetaData, name: str) -> Table:
    if name in metadata.tables:
        return metadata.tables[name]
    return Table(
        name, metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(200), nullable=False, index=True),
        Column("subject", String(200), nullable=False, index=True),
        Column("signer", String(64), nullable=False),
        Column("region_code", String(12), nullable=False),
        Column("data", JSON, nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
    )


def keep(session: Session, table: Table, event, now: datetime | None = None) -> None:
    """Record one notice; the inbox has already made sure it is the first time."""
    session.execute(insert(table).values(
        event_id=event.id, event_type=event.type, subject=event.subject, signer=event.signer,
        region_code=event.region, data=event.data, received_at=now or datetime.now(UTC)))


def listing(session: Session, table: Table, subject: str | None = None, limit: int = 500) -> list[dict]:
    query = select(table).order_by(table.c.received_at.desc()).limit(max(1, min(limit, 5000)))
    if subject:
        query = query.where(table.c.subject == subject)
    return [{**dict(r._mapping), "received_at": r.received_at.isoformat()} for r in session.execute(query)]


def notice_handlers(name: str, table: Table, event_types) -> type:
    """A mixin keeping each of ``event_types`` in ``table`` as it arrives (shared.bus.runtime.handles_alike)."""
    from shared.bus.runtime import handles_alike

    return handles_alike(name, event_types, lambda service, event: keep(service.db.session, table, event),
                         "kept as a notice of where the matter stands")
