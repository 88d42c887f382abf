"""A value the request schema let through but the database cannot hold is the caller's to fix: 422 with the
driver's reason, never a 500, and never the statement (it would echo the request's values)."""

import pytest
import sqlalchemy as sa

from shared.http import error_response


def test_an_integer_past_its_column_is_a_422_naming_the_reason(database_url):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DataError) as raised:
            conn.execute(sa.text("SELECT CAST(:n AS integer)"), {"n": 482693877869032})
    finally:
        engine.dispose()
    status, body = error_response(raised.value)
    assert status == 422 and body["error"] == "value_not_storable"
    assert body["message"] == "a value cannot be stored: integer out of range"
    assert "482693877869032" not in body["message"]
