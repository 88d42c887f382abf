"""The feed file format, its wire text and the sample generator: rules, no broker."""

import hashlib
import re

import pytest

from shared.push.feedfile import CSV_COLUMNS, WIRE_LINES_PATTERN, BadLine, FeedScan, parse_row, read_chunks
from shared.push.sample import PLANTED_KINDS, write_sample

GOOD = ["employer", "91460100000000001A", "employee", "2026-10", "12", "960000", "0", "0", "0"]


def test_a_good_row_becomes_a_wire_line_the_contract_accepts():
    line = parse_row(GOOD, 2)
    assert line.wire() == "2,employer,91460100000000001A,employee,2026-10,12,960000,0,0,0\n"
    assert re.search(WIRE_LINES_PATTERN, line.wire() * 3)


@pytest.mark.parametrize(("column", "value", "reason"), [
    (5, "12.50", "collected_fen '12.50' must be whole fen"),
    (5, "-1", "collected_fen '-1' must be whole fen"),
    (1, "BAD1", "is not an 18-character unified social credit code"),
    (2, "maternity", "scheme 'maternity' must be employee or resident"),
    (3, "2026-13", "period '2026-13' must be a month"),
    (0, "company", "payer_kind 'company' must be employer or person"),
])
def test_a_bad_row_is_refused_with_the_column_and_the_rule(column, value, reason):
    row = list(GOOD)
    row[column] = value
    with pytest.raises(BadLine, match=re.escape(reason)):
        parse_row(row, 7)


def test_a_line_of_another_month_is_refused_for_the_feed_s_period():
    with pytest.raises(BadLine, match="differs from the feed's period 2026-09"):
        parse_row(GOOD, 2, period="2026-09")


def test_bad_lines_are_skipped_and_reported_with_their_line_number_and_good_ones_go_on(tmp_path):
    feed = tmp_path / "f.csv"
    header = ",".join(CSV_COLUMNS)
    good = ",".join(GOOD)
    feed.write_text("\n".join([header, good, good.replace("960000", "9600.00"), good, good]) + "\n")
    seen, scan = [], FeedScan()
    chunks = list(read_chunks(feed, 2, scan, on_bad=lambda n, reason, row: seen.append(n)))
    assert [c.line_count for c in chunks] == [2, 1] and [c.first_line_no for c in chunks] == [2, 5]
    assert seen == [3] and scan.bad_count == 1 and scan.line_count == 3


def test_the_feed_hash_does_not_depend_on_the_chunk_size(tmp_path):
    sample = write_sample(tmp_path / "f.csv", tmp_path / "r.csv", lines=3_000, seed=2)
    digests = set()
    for size in (1, 7, 1000, 5000):
        scan = FeedScan()
        text = "".join(c.text for c in read_chunks(sample.feed, size, scan))
        assert scan.lines_sha256 == hashlib.sha256(text.encode()).hexdigest()
        digests.add(scan.lines_sha256)
    assert len(digests) == 1


def test_a_sample_plants_the_number_of_discrepancies_it_says(tmp_path):
    sample = write_sample(tmp_path / "f.csv", tmp_path / "r.csv", lines=5_000, seed=4, planted_per_kind=6,
                          bad_lines=2)
    assert {k: len(v) for k, v in sample.planted.items()} == dict.fromkeys(PLANTED_KINDS, 6)
    assert (sample.feed_lines, sample.bad_lines) == (5_000, 2)
    assert sample.registry_lines == 5_000 + 6 - 6  # the missing payers are enrolled, the unknown ones are not
    again = write_sample(tmp_path / "g.csv", tmp_path / "s.csv", lines=5_000, seed=4, planted_per_kind=6,
                         bad_lines=2)
    assert (tmp_path / "f.csv").read_bytes() == (tmp_path / "g.csv").read_bytes() and again.planted == sample.planted


def test_a_line_with_spaces_or_quotes_goes_on_the_wire_in_canonical_form(tmp_path):
    feed = tmp_path / "f.csv"
    feed.write_text(",".join(CSV_COLUMNS) + "\n" + ",".join(GOOD) + "\n"
                    + '" employer ",91460100000000001A,employee,2026-10, 12 ,960000,0,0,0\n')
    (chunk,) = read_chunks(feed, 10, FeedScan())
    first, second = chunk.text.splitlines()
    assert first.split(",", 1)[1] == second.split(",", 1)[1]
