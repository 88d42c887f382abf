"""The feed's SHA-256 kept while chunks arrive (feed_digest) must always equal the full rebuild from the
staged lines, whatever order the chunks came in and whatever the running state missed."""

import hashlib
import random

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.hs_center import feed_digest, models


def wire(line_no, n=1):
    return f"{line_no},person,46010019900101{line_no:04d},resident,2026-10,1,{3200 + n},0,0,0\n"


def chunks_of(line_numbers, size):
    texts = ["".join(wire(n) for n in line_numbers[i:i + size]) for i in range(0, len(line_numbers), size)]
    return [{"seq": seq, "lines": t, "line_count": t.count("\n"), "sha256": hashlib.sha256(t.encode()).hexdigest(),
             "first_line_no": int(t.split(",", 1)[0]), "last_line_no": int(t.splitlines()[-1].split(",", 1)[0])}
            for seq, t in enumerate(texts, 1)]


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    models.FeedChunk.__table__.create(engine)
    models.FeedLine.__table__.create(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def full_rebuild(session, feed_no):
    digest = hashlib.sha256()
    for _, part in models.wire_text(session, feed_no):
        digest.update(part.encode())
    return digest.hexdigest()


def stage(session, feed_no, chunks, arrival, hashed=None):
    """Stage chunks in ``arrival`` order; only those in ``hashed`` (default all) reach the running digest."""
    key = models.feed_key(session, feed_no)
    feed_digest.forget(key)
    for seq in arrival:
        chunk = chunks[seq - 1]
        assert models.add_chunk(session, feed_no, chunk)
        if hashed is None or seq in hashed:
            feed_digest.chunk_arrived(key, seq, chunk["sha256"], chunk["lines"].encode())
    return key


@pytest.mark.parametrize("arrival", [
    "in order", "reversed", "shuffled", "one late", "beyond the waiting buffer"])
def test_the_digest_equals_the_full_rebuild_whatever_the_order(session, arrival):
    chunks = chunks_of(list(range(2, 2 + 7 * 50)), 7)  # 50 chunks
    order = list(range(1, 51))
    if arrival == "reversed":
        order.reverse()
    elif arrival == "shuffled":
        random.Random(5).shuffle(order)
    elif arrival == "one late":
        order = [1, 2, *range(4, 51), 3]
    elif arrival == "beyond the waiting buffer":
        order = [1, *range(3, 51), 2]
    stage(session, 1, chunks, order)
    expected = hashlib.sha256("".join(c["lines"] for c in chunks).encode()).hexdigest()
    assert full_rebuild(session, 1) == expected
    assert models.lines_sha256(session, 1) == expected


def test_in_order_chunks_are_not_read_back(session, monkeypatch):
    chunks = chunks_of(list(range(2, 40)), 5)
    stage(session, 1, chunks, range(1, len(chunks) + 1))
    read_back = []
    real = models.wire_text
    monkeypatch.setattr(models, "wire_text", lambda *a, **k: (read_back.append(k), real(*a, **k))[1])
    expected = hashlib.sha256("".join(c["lines"] for c in chunks).encode()).hexdigest()
    assert models.lines_sha256(session, 1) == expected
    assert read_back == []


def test_a_state_that_does_not_match_the_database_is_not_trusted(session):
    """A chunk hashed in a transaction that rolled back, and another chunk stored under its number."""
    chunks = chunks_of(list(range(2, 30)), 4)
    key = stage(session, 1, chunks, range(1, len(chunks) + 1), hashed=set(range(1, len(chunks) + 1)))
    other = chunks_of(list(range(2, 30)), 4)[0]
    other["lines"] = other["lines"].replace(",3201,", ",9999,")
    other["sha256"] = hashlib.sha256(other["lines"].encode()).hexdigest()
    session.query(models.FeedLine).filter_by(seq=1).delete()
    session.query(models.FeedChunk).filter_by(seq=1).delete()
    models.add_chunk(session, 1, other)
    assert feed_digest.prefix_for(key, models.chunk_hashes(session, 1)) is None
    expected = hashlib.sha256((other["lines"] + "".join(c["lines"] for c in chunks[1:])).encode()).hexdigest()
    assert models.lines_sha256(session, 1) == full_rebuild(session, 1) == expected


@pytest.mark.parametrize("case", ["lines out of order in a chunk", "chunks out of line order"])
def test_chunks_the_running_digest_cannot_follow_fall_back_to_the_rebuild(session, case):
    if case == "lines out of order in a chunk":
        numbers = [2, 3, 4, 6, 5, 7, 8, 9, 10, 11]
    else:  # chunk 2 carries lines before chunk 1's
        numbers = [6, 7, 8, 9, 10, 2, 3, 4, 5, 11]
    chunks = chunks_of(numbers, 5)
    stage(session, 1, chunks, [1, 2])
    assert models.lines_sha256(session, 1) == full_rebuild(session, 1)


def test_line_span_reads_the_line_numbers_of_a_sorted_chunk_only():
    assert feed_digest.line_span((wire(2) + wire(5)).encode()) == (2, 5)
    assert feed_digest.line_span((wire(5) + wire(2)).encode()) is None
    assert feed_digest.line_span((wire(5) + wire(5)).encode()) is None
    assert feed_digest.line_span(b"") is None
