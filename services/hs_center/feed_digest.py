"""The manifest's SHA-256 of a feed's lines, kept up to date while the chunks arrive.

``lines_sha256`` is the SHA-256 of every wire line of the feed in order (shared/push/feedfile.py).
Rebuilding it from the staged rows at the end reads the whole feed back out of PostgreSQL as text;
instead, a chunk that arrives in order (its lines sorted, its first line after the previous chunk's)
is hashed while its text is still in hand. Chunks that run ahead of a missing one wait in a small,
bounded buffer; past it they are left for the end.

The running state is a cache of this process, never the truth: each hashed chunk is remembered by
(seq, sha256), and at the end the prefix is used only if it matches, chunk for chunk, what the
database holds (a rolled-back transaction, another process, a restart all just mean less of it).
Whatever the prefix does not cover is read back from the database, in the same order as a full
rebuild, so the digest is exactly the one ``models.wire_text`` gives for the whole feed.
"""

from __future__ import annotations

import hashlib
import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import islice

MAX_FEEDS = 16  # feeds being received at once in this process; the oldest state is dropped beyond
MAX_WAITING_CHUNKS = 16  # chunks ahead of a gap kept for hashing, all feeds together (~0.5 MB each): bounded


@dataclass
class _Prefix:
    digest: object = field(default_factory=hashlib.sha256)
    hashed: list[tuple[int, str]] = field(default_factory=list)  # (seq, sha256) of chunks 1..k, in order
    last_line: int = 0  # the last line number of chunk k
    waiting: dict[int, tuple[str, bytes, tuple[int, int]]] = field(default_factory=dict)  # seq → (sha, text, lines)
    broken: bool = False  # a chunk came that cannot be hashed in order: the rest is read back at the end

    @property
    def next_seq(self) -> int:
        return len(self.hashed) + 1


_feeds: OrderedDict[tuple[str, int], _Prefix] = OrderedDict()
_lock = threading.Lock()


def line_span(text: bytes) -> tuple[int, int] | None:
    """(first, last) line number of a chunk whose lines are in strictly rising order, else None.

    A wire line has ten fields (the contract's pattern), so every tenth field is a line number."""
    fields = text.replace(b"\n", b",").split(b",")
    if len(fields) < 11 or len(fields) % 10 != 1 or fields[-1] or not text.endswith(b"\n"):
        return None
    try:
        numbers = list(map(int, fields[0:-1:10]))
    except ValueError:
        return None
    if not all(map(operator.lt, numbers, islice(numbers, 1, None))):
        return None
    return numbers[0], numbers[-1]


def chunk_arrived(key: tuple[str, int], seq: int, sha256: str, text: bytes) -> None:
    """A chunk was staged (in a transaction that may still roll back): hash it if it continues the prefix."""
    with _lock:
        prefix = _feeds.get(key)
        if prefix is None:
            prefix = _feeds[key] = _Prefix()
            while len(_feeds) > MAX_FEEDS:
                _feeds.popitem(last=False)
        _feeds.move_to_end(key)
        if prefix.broken or seq < prefix.next_seq or seq in prefix.waiting:
            return
        span = line_span(text)
        if span is None:
            prefix.broken = True
            prefix.waiting.clear()
            return
        if seq > prefix.next_seq:
            if sum(len(p.waiting) for p in _feeds.values()) < MAX_WAITING_CHUNKS:
                prefix.waiting[seq] = (sha256, text, span)
            return
        _extend(prefix, seq, sha256, text, span)
        while prefix.next_seq in prefix.waiting and not prefix.broken:
            s = prefix.next_seq
            _extend(prefix, s, *prefix.waiting.pop(s))


def _extend(prefix: _Prefix, seq: int, sha256: str, text: bytes, span: tuple[int, int]) -> None:
    if span[0] <= prefix.last_line:
        prefix.broken = True  # chunks overlap or out of line order: the rebuild's order applies
        prefix.waiting.clear()
        return
    prefix.digest.update(text)
    prefix.hashed.append((seq, sha256))
    prefix.last_line = span[1]


@dataclass(frozen=True)
class Prefix:
    """What the end of a feed can take over: the digest of chunks 1..len(hashed)."""

    digest: object
    hashed: list[tuple[int, str]]
    last_line: int  # every line after the prefix must come after this one


def prefix_for(key: tuple[str, int], stored: list[tuple[int, str]]) -> Prefix | None:
    """The running digest if it covers a prefix of ``stored`` ((seq, sha256) by seq) exactly; else None."""
    with _lock:
        prefix = _feeds.get(key)
        if prefix is None or not prefix.hashed:
            return None
        hashed = list(prefix.hashed)
        if stored[:len(hashed)] != hashed:
            return None
        return Prefix(prefix.digest.copy(), hashed, prefix.last_line)


def forget(key: tuple[str, int]) -> None:
    with _lock:
        _feeds.pop(key, None)
