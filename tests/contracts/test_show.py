"""`fundlink contracts show [AGENCY]` prints who sends what to whom, with deadlines."""

from __future__ import annotations

from typer.testing import CliRunner

from shared.cli_contracts import contracts_app


def test_show_for_one_agency_lists_only_its_hand_offs_with_deadlines():
    result = CliRunner().invoke(contracts_app, ["show", "tax"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "fundlink.tax.collection.feed_published.v1" in result.output
    assert "by day 5 of the month" in result.output and "[seed]" in result.output
    assert "fundlink.public_security.case.receipt_signed.v1" not in result.output


def test_show_refuses_an_unknown_agency():
    result = CliRunner().invoke(contracts_app, ["show", "ministry_of_magic"])
    assert result.exit_code != 0
