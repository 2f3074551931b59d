"""The unit tier: no database and no emulator. moto's in-process AWS and chalice's test client are allowed.

A unit test that asks for a database fixture is refused at collection, so `make test-unit` never needs
PostgreSQL (run it with TEST_PG_ADMIN_DSN pointing nowhere to see).
"""
from pathlib import Path

import pytest

from tests.support.postgres import DATABASE_FIXTURES

NOT_IN_THIS_TIER = DATABASE_FIXTURES | {"emulator", "stack", "scratch_database_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        wanted = NOT_IN_THIS_TIER & set(getattr(item, "fixturenames", ()))
        if wanted and item.path.is_relative_to(Path(__file__).parent):
            raise pytest.UsageError(f"{item.nodeid} is in tests/unit but asks for {sorted(wanted)}: it belongs in db/")
