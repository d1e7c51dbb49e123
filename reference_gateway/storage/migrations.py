"""PostgreSQL schema migrations: ordered SQL, applied once each, recorded in `schema_version`.

Append a migration; never edit one that has shipped. Every replica runs `migrate` on start: under an advisory lock,
so replicas starting together apply each migration once."""

from __future__ import annotations

from typing import Any

MIGRATIONS: tuple[str, ...] = (
    # 1: responses with their input items, response-id claims, conversations and their items
    """
    CREATE TABLE responses (
        owner TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, input TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL, PRIMARY KEY (owner, id));
    CREATE TABLE claims (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, provider TEXT NOT NULL, deleted BOOLEAN NOT NULL DEFAULT FALSE);
    CREATE TABLE conversations (
        owner TEXT NOT NULL, id TEXT NOT NULL, created_at BIGINT NOT NULL, metadata TEXT NOT NULL,
        PRIMARY KEY (owner, id));
    CREATE TABLE conversation_items (
        conversation TEXT NOT NULL, seq BIGINT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (conversation, seq));
    CREATE INDEX conversation_item_ids ON conversation_items (conversation, id);
    """,
)
LOCK = 0x67617465776179  # the advisory lock every replica takes while migrating


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer gateway than this one."""


def migrate(connection: Any) -> int:
    """Bring the schema up to date on a psycopg connection (autocommit off or on); the version it is now at."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
        row = connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        current = int(row[0])
        if current > len(MIGRATIONS):
            raise SchemaTooNew(f"the database's schema is version {current}; this gateway knows {len(MIGRATIONS)}")
        for version, sql in enumerate(MIGRATIONS[current:], start=current + 1):
            connection.execute(sql)
            connection.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
    return len(MIGRATIONS)
