"""The center's tables: enrollment registry, received feeds and their staged lines.

Detail lines are written in bulk (PostgreSQL ``COPY``; executemany on SQLite) and
compared with the registry in set-based SQL, never as one ORM object per line.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, Text, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table

from . import feed_digest


class Base(DeclarativeBase):
    pass


class RegistryEntry(Base):
    """参保登记: one payer (employer credit code or person id) enrolled in a scheme."""

    __tablename__ = "registry_entry"

    payer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(10), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    insured_person_count: Mapped[int] = mapped_column(Integer)
    monthly_due_fen: Mapped[int] = mapped_column(Integer)
    payer_kind: Mapped[str | None] = mapped_column(String(8), nullable=True)


class Registration(Base):
    """An enrollment or change told to tax (HO-04), with tax's acknowledgement."""

    __tablename__ = "registration"

    registration_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(32))
    scheme: Mapped[str] = mapped_column(String(10))
    change_type: Mapped[str] = mapped_column(String(10))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tax_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    tax_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReceivedFeed(Base):
    """A reconciled collection feed from tax, with the center's answer (HO-02)."""

    __tablename__ = "received_feed"

    feed_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    period: Mapped[str] = mapped_column(String(7), index=True)
    lines: Mapped[list] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reply_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    reconciliation: Mapped[dict] = mapped_column(JSON)


class DetailFeed(Base):
    """A feed arriving as chunks of lines plus a manifest; staged until it checks out."""

    __tablename__ = "detail_feed"

    feed_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[str] = mapped_column(String(64), unique=True)
    region_code: Mapped[str] = mapped_column(String(6))
    region_level: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(7))
    treasury_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="receiving")  # receiving | refused | matched | …
    manifest: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FeedChunk(Base):
    """One received chunk; its key makes a re-sent chunk a no-op."""

    __tablename__ = "feed_chunk"

    feed_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_count: Mapped[int] = mapped_column(Integer)
    first_line_no: Mapped[int] = mapped_column(Integer)
    last_line_no: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class FeedLine(Base):
    """One detail line of a feed: a payer's collection for a scheme (征缴明细)."""

    __tablename__ = "feed_line"

    feed_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    payer_kind: Mapped[str] = mapped_column(String(8))
    payer_id: Mapped[str] = mapped_column(String(32))
    scheme: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(7))
    insured_persons: Mapped[int] = mapped_column(Integer)
    collected_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger)
    arrears_fen: Mapped[int] = mapped_column(BigInteger)
    late_surcharge_fen: Mapped[int] = mapped_column(BigInteger)


class FeedDiscrepancy(Base):
    """A payer-level difference found by reconciliation (HO-03), with tax's answer."""

    __tablename__ = "feed_discrepancy"

    feed_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    responsible: Mapped[str] = mapped_column(String(20))
    payer_id: Mapped[str] = mapped_column(String(32))
    payer_kind: Mapped[str | None] = mapped_column(String(8), nullable=True)
    scheme: Mapped[str] = mapped_column(String(10))
    line_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected_fen: Mapped[int] = mapped_column(BigInteger)
    collected_fen: Mapped[int] = mapped_column(BigInteger)
    resolution: Mapped[str | None] = mapped_column(String(20), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class FeedSchedule(Base):
    """A region that owes the center a monthly feed from ``first_period`` on."""

    __tablename__ = "feed_schedule"

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    first_period: Mapped[str] = mapped_column(String(7))


class FeedObligation(Base):
    """One region's feed for one month, due by the 5th of the next (HO-01)."""

    __tablename__ = "feed_obligation"

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))  # open | overdue | met | met_late
    feed_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    met_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    overdue_raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)

LINE_COLUMNS = ("feed_no", "seq", "line_no", "payer_kind", "payer_id", "scheme", "period", "insured_persons",
                "collected_fen", "refunded_fen", "arrears_fen", "late_surcharge_fen")
REGISTRY_CSV_COLUMNS = ("payer_kind", "payer_id", "scheme", "region_code", "insured_persons", "monthly_due_fen")


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert(session: Session, model):
    return (pg_insert if _is_postgres(session) else sqlite_insert)(model)


# -- staging a detail feed ---------------------------------------------------------------
def claim_feed(session: Session, header: dict, now: datetime) -> DetailFeed:
    """The feed's staging row, created by whichever of its messages comes first; locked for this transaction."""
    query = select(DetailFeed).where(DetailFeed.feed_id == header["feed_id"]).with_for_update()
    feed = session.execute(query).scalar_one_or_none()
    if feed is not None:  # every chunk but the first: one locking read, no insert
        return feed
    session.execute(_insert(session, DetailFeed).values(
        feed_id=header["feed_id"], region_code=header["region_code"], region_level=header["region_level"],
        period=header["period"], treasury_code=header["treasury_code"], status="receiving", first_seen_at=now,
    ).on_conflict_do_nothing(index_elements=["feed_id"]))
    return session.execute(query).scalar_one()


def add_chunk(session: Session, feed_no: int, chunk: dict) -> bool:
    """Record the chunk and copy its lines; False (and nothing written) if it was already here."""
    added = session.execute(_insert(session, FeedChunk).values(
        feed_no=feed_no, seq=chunk["seq"], line_count=chunk["line_count"], first_line_no=chunk["first_line_no"],
        last_line_no=chunk["last_line_no"], sha256=chunk["sha256"],
    ).on_conflict_do_nothing(index_elements=["feed_no", "seq"])).rowcount
    if not added:
        return False
    prefix = f"{feed_no},{chunk['seq']},"
    if _is_postgres(session):
        lines = chunk["lines"]  # every line ends in \n (the contract's pattern): prefix them all at once
        _copy_lines(session, prefix + lines[:-1].replace("\n", "\n" + prefix) + "\n")
    else:
        rows = [dict(zip(LINE_COLUMNS, (feed_no, chunk["seq"], *line.split(",")), strict=True))
                for line in chunk["lines"].splitlines()]
        session.execute(insert(FeedLine), rows)
    return True


@contextmanager
def _blocking_psycopg2():
    """psycopg2 refuses COPY while eventlet's wait callback is installed (shared/db.py). COPY of
    one chunk takes milliseconds and waits on no lock of ours (chunks are claimed first, and
    lock_timeout bounds the worst case), so the hub may block for it."""
    import psycopg2.extensions

    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        yield
    finally:
        psycopg2.extensions.set_wait_callback(callback)


def _copy_lines(session: Session, csv_text: str) -> None:
    session.execute(text("SET LOCAL lock_timeout = '5s'"))
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        with _blocking_psycopg2():
            cursor.copy_expert(f"COPY feed_line ({','.join(LINE_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                               io.StringIO(csv_text))
    finally:
        cursor.close()


def chunk_ranges(session: Session, feed_no: int) -> list[tuple[int, int, int]]:
    """(seq, first_line_no, last_line_no) of every chunk received, by seq."""
    return [tuple(r) for r in session.execute(
        select(FeedChunk.seq, FeedChunk.first_line_no, FeedChunk.last_line_no)
        .where(FeedChunk.feed_no == feed_no).order_by(FeedChunk.seq))]


def chunk_hashes(session: Session, feed_no: int) -> list[tuple[int, str]]:
    """(seq, sha256) of every chunk received, by seq."""
    return [(seq, sha) for seq, sha in session.execute(
        select(FeedChunk.seq, FeedChunk.sha256).where(FeedChunk.feed_no == feed_no).order_by(FeedChunk.seq))]


def line_totals(session: Session, feed_no: int) -> tuple[int, dict[str, dict]]:
    """Line count and per-scheme totals of what arrived, in the shape of the manifest's ``lines``."""
    rows = session.execute(text(
        "SELECT scheme, count(*), sum(insured_persons), sum(collected_fen), sum(refunded_fen), sum(arrears_fen),"
        " sum(late_surcharge_fen) FROM feed_line WHERE feed_no = :f GROUP BY scheme"), {"f": feed_no}).all()
    totals = {r[0]: dict(zip(("payer_count", "insured_person_count", "amount_collected_fen", "refunds_fen",
                              "arrears_fen", "late_surcharge_fen"), (int(v) for v in r[1:]), strict=True))
              for r in rows}
    return sum(t["payer_count"] for t in totals.values()), totals


_WIRE_SQL = ("line_no || ',' || payer_kind || ',' || payer_id || ',' || scheme || ',' || period || ',' || "
             "insured_persons || ',' || collected_fen || ',' || refunded_fen || ',' || arrears_fen || ',' || "
             "late_surcharge_fen")


def wire_text(session: Session, feed_no: int, *, after_seq: int = 0) -> Iterator[tuple[int, str]]:
    """The stored lines as wire text, in line order, as (first line number, text) per chunk on
    PostgreSQL (per line on SQLite); only chunks past ``after_seq`` if given. A few chunks at a time."""
    if _is_postgres(session):
        result = session.execute(text(
            f"SELECT min(line_no), string_agg({_WIRE_SQL} || chr(10), '' ORDER BY line_no) FROM feed_line "  # noqa: S608
            "WHERE feed_no = :f AND seq > :s GROUP BY seq ORDER BY min(line_no)"), {"f": feed_no, "s": after_seq})
    else:
        result = session.execute(text(f"SELECT line_no, {_WIRE_SQL} FROM feed_line "  # noqa: S608
                                      "WHERE feed_no = :f AND seq > :s ORDER BY line_no"),
                                 {"f": feed_no, "s": after_seq})
    newline = "" if _is_postgres(session) else "\n"
    for first, part in result.yield_per(4):
        yield first, part + newline


def feed_key(session: Session, feed_no: int) -> tuple[str, int]:
    """The feed's key in this process's running digests (feed_digest): its database and number."""
    return str(session.get_bind().url), feed_no


def lines_sha256(session: Session, feed_no: int) -> str:
    """SHA-256 of the staged lines in line order (the manifest's ``lines_sha256``): the running digest
    of the chunks that came in order, then only the chunks it does not cover read back as text."""
    stored = chunk_hashes(session, feed_no)
    prefix = feed_digest.prefix_for(feed_key(session, feed_no), stored)
    if prefix is not None and len(prefix.hashed) == len(stored):  # every chunk came in order: nothing to read
        return prefix.digest.hexdigest()
    if prefix is not None:
        digest, parts = prefix.digest, wire_text(session, feed_no, after_seq=prefix.hashed[-1][0])
        first = next(parts, None)
        if first is None or first[0] > prefix.last_line:  # the rest comes after the prefix: same order
            if first is not None:
                digest.update(first[1].encode())
            for _, part in parts:
                digest.update(part.encode())
            return digest.hexdigest()
        parts.close()
    digest = hashlib.sha256()
    for _, part in wire_text(session, feed_no):
        digest.update(part.encode())
    return digest.hexdigest()


def discard_lines(session: Session, feed_no: int) -> None:
    """A refused feed leaves nothing behind but its refusal."""
    session.execute(delete(FeedLine).where(FeedLine.feed_no == feed_no))
    session.execute(delete(FeedChunk).where(FeedChunk.feed_no == feed_no))
    session.execute(delete(FeedDiscrepancy).where(FeedDiscrepancy.feed_no == feed_no))


def expected_per_scheme(session: Session, region_prefix: str) -> list[tuple[str, int, int]]:
    """(scheme, insured persons, amount due) the registry expects from a region in a month."""
    R = RegistryEntry
    return [(s, int(n), int(d)) for s, n, d in session.execute(
        select(R.scheme, func_sum(R.insured_person_count), func_sum(R.monthly_due_fen))
        .where(R.region_code.like(region_prefix + "%")).group_by(R.scheme))]


def func_sum(column):
    from sqlalchemy import func

    return func.coalesce(func.sum(column), 0)


# Kinds in report order; the rules behind them are in domain.DISCREPANCY_KINDS. One hash
# join of the feed's lines with the region's enrollments (narrow rows: keys and amounts) keeps
# only what does not match; the few rows left are then classified with index lookups (the
# registry's key), never with another pass over the registry.
_RECONCILE_SQL = """
WITH l AS (
    SELECT payer_id, scheme, min(payer_kind) AS payer_kind, min(line_no) AS line_no,
           CAST(sum(collected_fen - refunded_fen + arrears_fen) AS BIGINT) AS accounted
    FROM feed_line WHERE feed_no = :f GROUP BY payer_id, scheme),
r AS (SELECT payer_id, scheme, monthly_due_fen FROM registry_entry WHERE region_code LIKE :region),
c AS (
    SELECT coalesce(l.payer_id, r.payer_id) AS payer_id, coalesce(l.scheme, r.scheme) AS scheme,
           coalesce(l.payer_kind, (SELECT e.payer_kind FROM registry_entry e  -- the few unpaid only
                                   WHERE e.payer_id = r.payer_id AND e.scheme = r.scheme)) AS payer_kind,
           l.line_no, l.accounted, r.monthly_due_fen AS due,
           CASE WHEN l.payer_id IS NULL THEN 0 ELSE 1 END AS has_line,
           CASE WHEN r.payer_id IS NULL THEN 0 ELSE 1 END AS enrolled
    FROM l FULL JOIN r ON l.payer_id = r.payer_id AND l.scheme = r.scheme
    WHERE l.payer_id IS NULL OR r.payer_id IS NULL OR l.accounted <> r.monthly_due_fen),
enrolled AS (SELECT DISTINCT c.payer_id FROM c WHERE (
                 SELECT 1 FROM registry_entry e WHERE e.payer_id = c.payer_id AND e.region_code LIKE :region
                 LIMIT 1) IS NOT NULL),
stray AS (SELECT DISTINCT payer_id FROM c WHERE has_line = 1 AND enrolled = 0),
found AS MATERIALIZED (
    SELECT CASE WHEN c.has_line = 1 AND ep.payer_id IS NULL THEN 1
                WHEN c.has_line = 1 AND c.enrolled = 0 THEN 2
                WHEN c.has_line = 1 THEN 3
                WHEN sp.payer_id IS NULL THEN 4 END AS k,
           c.payer_id, c.payer_kind, c.scheme, c.line_no, coalesce(c.due, 0) AS expected,
           coalesce(c.accounted, 0) AS collected
    FROM c LEFT JOIN enrolled ep ON ep.payer_id = c.payer_id LEFT JOIN stray sp ON sp.payer_id = c.payer_id)
INSERT INTO feed_discrepancy (feed_no, item_no, kind, responsible, payer_id, payer_kind, scheme, line_no,
                              expected_fen, collected_fen)
SELECT :f, row_number() OVER (ORDER BY k, line_no, payer_id, scheme),
       CASE k WHEN 1 THEN 'unknown_payer' WHEN 2 THEN 'scheme_mismatch' WHEN 3 THEN 'amount_mismatch'
              ELSE 'missing_from_feed' END,
       CASE k WHEN 1 THEN 'healthcare_security' ELSE 'tax' END,
       payer_id, payer_kind, scheme, line_no, expected, collected
FROM found WHERE k IS NOT NULL
"""


def find_discrepancies(session: Session, feed_no: int, region_prefix: str) -> int:
    """Compare the feed's lines with the registry in one statement; returns the number found."""
    session.execute(delete(FeedDiscrepancy).where(FeedDiscrepancy.feed_no == feed_no))
    if _is_postgres(session):  # the joins hash a month's lines; keep them in memory, off disk
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        # Lines just copied in have no statistics yet: the planner overprices the statement and JIT-compiles
        # ~80 functions, 0.3-0.5 s of a 1M-line reconciliation that runs no faster for it.
        session.execute(text("SET LOCAL jit = off"))
    session.execute(text(_RECONCILE_SQL), {"f": feed_no, "region": region_prefix + "%"})
    return sum(count_discrepancies(session, feed_no).values())  # SQLite reports no rowcount for it


def paid_per_scheme(session: Session, feed_no: int) -> list[tuple[str, int, int, int, int]]:
    """(scheme, insured persons, collected, refunds, arrears) of the feed's lines."""
    return [(r[0], *(int(v) for v in r[1:])) for r in session.execute(text(
        "SELECT scheme, sum(insured_persons), sum(collected_fen), sum(refunded_fen), sum(arrears_fen) "
        "FROM feed_line WHERE feed_no = :f GROUP BY scheme ORDER BY scheme"), {"f": feed_no})]


def discrepancy_pages(session: Session, feed_no: int, size: int, after: int = 0) -> Iterator[list]:
    """The feed's discrepancies in pages of ``size`` rows (not ORM objects), in report order."""
    table = FeedDiscrepancy.__table__
    while True:
        page = session.execute(select(table).where(table.c.feed_no == feed_no, table.c.item_no > after)
                               .order_by(table.c.item_no).limit(size)).all()
        if not page:
            return
        yield page
        after = page[-1].item_no


def count_discrepancies(session: Session, feed_no: int) -> dict[str, int]:
    return {k: int(n) for k, n in session.execute(text(
        "SELECT kind, count(*) FROM feed_discrepancy WHERE feed_no = :f GROUP BY kind"), {"f": feed_no})}


def record_resolutions(session: Session, feed_no: int, resolutions: list[dict]) -> int:
    done = 0
    for r in resolutions:
        item_no = int(r["item_id"].rsplit("-", 1)[-1]) if r["item_id"].rsplit("-", 1)[-1].isdigit() else None
        if item_no is None:
            continue
        done += session.execute(update(FeedDiscrepancy).where(
            FeedDiscrepancy.feed_no == feed_no, FeedDiscrepancy.item_no == item_no)
            .values(resolution=r["resolution"], comment=r.get("comment"))).rowcount
    return done


# -- the registry ------------------------------------------------------------------------
def upsert_registry(session: Session, rows: list[dict]) -> None:
    """Enrollment rows in bulk; the same payer and scheme is replaced."""
    if not rows:
        return
    if _is_postgres(session):
        return _upsert_registry_postgresql(session, rows)
    stmt = _insert(session, RegistryEntry)
    stmt = stmt.on_conflict_do_update(index_elements=["payer_id", "scheme"], set_={
        c: getattr(stmt.excluded, c) for c in ("region_code", "insured_person_count", "monthly_due_fen",
                                                "payer_kind")})
    session.execute(stmt, rows)


_REGISTRY_COLUMNS = ("payer_id", "scheme", "region_code", "insured_person_count", "monthly_due_fen", "payer_kind")
_REGISTRY_UPSERT = (  # fixed column names, no input
    f"INSERT INTO registry_entry ({', '.join(_REGISTRY_COLUMNS)}) VALUES %s ON CONFLICT (payer_id, scheme) "  # noqa: S608
    f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _REGISTRY_COLUMNS[2:])}")


def _upsert_registry_postgresql(session: Session, rows: list[dict]) -> None:
    # SQLAlchemy sends an executemany with ON CONFLICT one row per round trip (its batched VALUES
    # mode passes such statements by): a 1M-line registry took minutes. psycopg2's execute_values
    # sends 1,000 rows a statement, ~18x faster, in the session's transaction.
    from psycopg2.extras import execute_values

    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        # One statement may not touch a row twice: a payer listed again in the batch, the later line wins.
        latest = {(r["payer_id"], r["scheme"]): r for r in rows}
        execute_values(cursor, _REGISTRY_UPSERT, [tuple(r[c] for c in _REGISTRY_COLUMNS) for r in latest.values()],
                       page_size=1000)
    finally:
        cursor.close()


# Money-cycle tables live in their own module but on this metadata.
from . import money_models  # noqa: E402, F401
