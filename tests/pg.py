"""A real PostgreSQL for the tests: one server per session (initdb + pg_ctl in a temporary directory, about 2 s;
harness/postgres.py), a fresh database per test. Where the binaries are missing the tests skip saying so; `.ci/run`
installs them, so CI never skips."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from harness.postgres import PostgresUnavailable, temporary_postgres

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The server's URL (its `postgres` database)."""
    try:
        with temporary_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"no PostgreSQL: {exc}")


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """The URL of a database of its own for this test."""
    import psycopg

    name = f"test_{next(_databases)}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return postgres_server.rsplit("/", 1)[0] + "/" + name
