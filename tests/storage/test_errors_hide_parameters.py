"""A failed statement's error (what the core logs at ERROR) never carries the parameters people typed."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_sql_errors_do_not_show_their_parameters(engine: AsyncEngine) -> None:
    with pytest.raises(DBAPIError) as raised:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table WHERE name = :name"),
                                     {"name": "what-ana-typed"})
    assert "no_such_table" in str(raised.value)
    assert "what-ana-typed" not in str(raised.value)
