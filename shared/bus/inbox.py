"""Inbox: a consumer records each event id it has processed, in the same
transaction as the effect, so a redelivery or a duplicate takes effect once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

INBOX_TABLE = "fundlink_inbox"


def inbox_table(metadata: MetaData) -> Table:
    if INBOX_TABLE in metadata.tables:
        return metadata.tables[INBOX_TABLE]
    return Table(
        INBOX_TABLE,
        metadata,
        Column("consumer", String(200), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("source", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )


def already_processed(session: Session, table: Table, consumer: str, event_id: str) -> bool:
    row = session.execute(
        select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id == event_id)
    ).first()
    return row is not None


def record(session: Session, table: Table, consumer: str, envelope) -> None:
    """Claim the event for this consumer; the unique key makes a racing duplicate fail at flush."""
    session.execute(
        insert(table).values(
            consumer=consumer, event_id=envelope.id, event_type=envelope.type,
            source=envelope.source, processed_at=datetime.now(UTC),
        )
    )
