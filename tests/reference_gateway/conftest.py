"""Fixtures of the gateway's tests: a real PostgreSQL (tests/pg.py), and the storage a test's routes are served on
(in memory, unless a module gives its own)."""

import pytest

from reference_gateway.storage import MemoryStorage, Storage
from tests.pg import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url", "storage"]


@pytest.fixture
def storage() -> Storage:
    return MemoryStorage()
