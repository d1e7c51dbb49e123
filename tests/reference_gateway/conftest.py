"""Fixtures of the gateway's tests: a real PostgreSQL (tests/pg.py)."""

from tests.pg import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]
