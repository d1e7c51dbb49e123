"""The storage contract on every implementation (SQLite in memory and in a file, in memory, PostgreSQL): per-key
isolation, paging, response chains, conversations, threads; then SQLite's own files and claim batching."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reference_gateway.storage import MemoryStorage, UnknownCursor, open_storage
from reference_gateway.storage import SQLiteStorage as Storage
from reference_gateway.storage.sqlite import CLAIM_BATCH


@pytest.fixture(params=["memory", "file", "in-memory", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "in-memory":
        store: Any = MemoryStorage()
    elif request.param == "postgres":
        store = open_storage(request.getfixturevalue("postgres_url"), "")
    else:
        store = Storage(":memory:" if request.param == "memory" else str(tmp_path / "nested" / "gateway.sqlite"))
    yield store
    store.close()


def message(text: str, item_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    if item_id:
        item["id"] = item_id
    return item


def response(response_id: str, previous: str | None = None, text: str = "ok") -> dict[str, Any]:
    output = [
        {
            "id": f"msg_out_{response_id}",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        }
    ]
    return {
        "id": response_id,
        "object": "response",
        "status": "completed",
        "previous_response_id": previous,
        "output": output,
    }


def test_a_saved_response_comes_back_only_to_its_owner(storage: Storage) -> None:
    storage.save_response("alice", response("resp_1"), [message("hi")])
    assert storage.get_response("alice", "resp_1") == response("resp_1")
    assert storage.get_response("bob", "resp_1") is None
    assert storage.list_input_items("bob", "resp_1") is None
    assert storage.owns("alice", "resp_1") and not storage.owns("bob", "resp_1")
    assert not storage.delete_response("bob", "resp_1")
    assert storage.owns("alice", "resp_1")
    assert storage.delete_response("alice", "resp_1")
    # The claim outlives the row: the id stays alice's, and dead, for good.
    assert not storage.owns("alice", "resp_1") and storage.provider_of("alice", "resp_1") is None
    assert storage.get_response("alice", "resp_1") is None
    assert not storage.delete_response("alice", "resp_1")


def _written_claims(path: Path) -> set[tuple[str, str, str, int]]:
    """The claims on disk, read through a second connection (what a restart would find)."""
    with sqlite3.connect(path) as other:
        return set(other.execute("SELECT id, owner, provider, deleted FROM claims"))


def test_claims_are_seen_at_once_and_written_in_batches_off_the_request_path(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    storage = Storage(str(path))
    storage.claim("alice", "resp_a", "openai")
    storage.claim("bob", "resp_a", "groq")  # the first claim of an id holds, written or not
    assert storage.provider_of("alice", "resp_a") == "openai" and not storage.owns("bob", "resp_a")
    assert _written_claims(path) == set()  # pending: one claim is not worth a commit on the request's path
    for n in range(CLAIM_BATCH - 1):
        storage.claim("alice", f"resp_{n}", "openai")
    assert len(_written_claims(path)) == CLAIM_BATCH  # a full batch goes in one transaction
    storage.claim("alice", "resp_late", "openai")
    storage.claim("bob", "resp_late", "groq")
    # Any write first writes what is pending: a pending claim is deleted, and keeps its provider when stored.
    assert storage.delete_response("alice", "resp_late") is False
    assert ("resp_late", "alice", "openai", 1) in _written_claims(path)
    storage.claim("carol", "resp_kept", "anthropic")
    storage.save_response("carol", response("resp_kept"), [message("hi")])
    assert ("resp_kept", "carol", "anthropic", 0) in _written_claims(path)
    storage.claim("dave", "resp_at_close", "openai")
    storage.close()
    assert ("resp_at_close", "dave", "openai", 0) in _written_claims(path)
    again = Storage(str(path))
    assert again.owns("dave", "resp_at_close") and not again.owns("bob", "resp_a")
    again.close()


def test_a_claim_waits_no_longer_than_the_delay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reference_gateway.storage.sqlite.CLAIM_DELAY", 0.0)
    storage = Storage(str(tmp_path / "g.sqlite"))
    storage.claim("alice", "resp_1", "openai")
    assert _written_claims(tmp_path / "g.sqlite") == {("resp_1", "alice", "openai", 0)}
    storage.close()


class _FlushAfterRead(Storage):
    """A storage whose pending claims are written by another writer right after each read's query ran."""

    def _all(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        rows = super()._rows(sql, *args)
        with self._transaction():
            pass
        return rows


def test_a_claim_written_between_a_reads_two_looks_is_still_seen(tmp_path: Path) -> None:
    storage = _FlushAfterRead(str(tmp_path / "g.sqlite"))
    storage.claim("alice", "resp_1", "openai")
    assert storage.provider_of("alice", "resp_1") == "openai"
    storage.close()


def test_a_written_claim_outranks_a_later_pending_one(storage: Storage) -> None:
    storage.save_response("alice", response("resp_1"), [message("hi")])  # written with the response
    storage.claim("mallory", "resp_1", "openai")  # an upstream handing out the same id again
    assert storage.owns("alice", "resp_1") and not storage.owns("mallory", "resp_1")


def test_stored_input_items_get_ids_and_status_when_they_lack_them(storage: Storage) -> None:
    storage.save_response("alice", response("resp_1"), [message("a"), message("b", "msg_given")])
    items = storage.get_input_items("alice", "resp_1")
    assert items is not None
    assert items[0]["id"].startswith("msg_") and items[0]["status"] == "completed"
    assert items[1]["id"] == "msg_given"


def test_input_items_page_by_order_limit_and_after(storage: Storage) -> None:
    storage.save_response("alice", response("resp_1"), [message(t, f"msg_{t}") for t in "abcde"])
    page = storage.list_input_items("alice", "resp_1", limit=2, order="asc")
    assert page is not None
    assert [i["id"] for i in page[0]] == ["msg_a", "msg_b"] and page[1] is True
    rest = storage.list_input_items("alice", "resp_1", after="msg_b", limit=10, order="asc")
    assert rest is not None
    assert [i["id"] for i in rest[0]] == ["msg_c", "msg_d", "msg_e"] and rest[1] is False
    newest = storage.list_input_items("alice", "resp_1", limit=2)  # desc is the default, as OpenAI lists
    assert newest is not None
    assert [i["id"] for i in newest[0]] == ["msg_e", "msg_d"]
    with pytest.raises(UnknownCursor):
        storage.list_input_items("alice", "resp_1", after="msg_nope")


def test_a_response_chain_is_oldest_first_and_breaks_on_a_missing_link(storage: Storage) -> None:
    storage.save_response("alice", response("resp_1"), [message("one")])
    storage.save_response("alice", response("resp_2", "resp_1"), [message("two")])
    storage.save_response("alice", response("resp_3", "resp_2"), [message("three")])
    chain = storage.response_chain("alice", "resp_3")
    assert chain is not None
    assert [r["id"] for r, _ in chain] == ["resp_1", "resp_2", "resp_3"]
    assert [inputs[0]["content"][0]["text"] for _, inputs in chain] == ["one", "two", "three"]
    assert storage.response_chain("bob", "resp_3") is None
    storage.delete_response("alice", "resp_2")
    assert storage.response_chain("alice", "resp_3") is None


def test_a_chain_that_loops_is_refused_rather_than_followed_forever(storage: Storage) -> None:
    storage.save_response("alice", response("resp_a", "resp_b"), [])
    storage.save_response("alice", response("resp_b", "resp_a"), [])
    assert storage.response_chain("alice", "resp_a") is None


def test_conversations_are_created_updated_and_deleted_per_owner(storage: Storage) -> None:
    conv = storage.create_conversation("alice", {"k": "v"}, [message("first")])
    assert conv["id"].startswith("conv_") and conv["object"] == "conversation"
    assert isinstance(conv["created_at"], int) and conv["metadata"] == {"k": "v"}
    assert storage.get_conversation("alice", conv["id"]) == conv
    assert storage.get_conversation("bob", conv["id"]) is None
    assert storage.update_conversation("bob", conv["id"], {"k": "bob"}) is None
    updated = storage.update_conversation("alice", conv["id"], {"k": "w"})
    assert updated is not None and updated["metadata"] == {"k": "w"}
    assert not storage.delete_conversation("bob", conv["id"])
    assert storage.delete_conversation("alice", conv["id"])
    assert storage.get_conversation("alice", conv["id"]) is None
    assert storage.all_items("alice", conv["id"]) is None


def test_conversation_items_are_appended_in_order_and_paged(storage: Storage) -> None:
    conv = storage.create_conversation("alice", {}, [message("a", "msg_a")])
    added = storage.add_items("alice", conv["id"], [message("b", "msg_b"), message("c")])
    assert added is not None and added[0]["id"] == "msg_b" and added[1]["id"].startswith("msg_")
    assert [i["content"][0]["text"] for i in storage.all_items("alice", conv["id"]) or []] == ["a", "b", "c"]
    page = storage.list_items("alice", conv["id"], order="asc", limit=1, after="msg_a")
    assert page is not None and [i["id"] for i in page[0]] == ["msg_b"] and page[1] is True
    desc = storage.list_items("alice", conv["id"], after="msg_b")
    assert desc is not None and [i["id"] for i in desc[0]] == ["msg_a"] and desc[1] is False
    with pytest.raises(UnknownCursor):
        storage.list_items("alice", conv["id"], after="msg_nope")


def test_another_owner_cannot_touch_a_conversations_items(storage: Storage) -> None:
    conv = storage.create_conversation("alice", {}, [message("a", "msg_a")])
    assert storage.add_items("bob", conv["id"], [message("x")]) is None
    assert storage.list_items("bob", conv["id"]) is None
    assert storage.get_item("bob", conv["id"], "msg_a") is None
    assert not storage.delete_item("bob", conv["id"], "msg_a")
    assert storage.get_item("alice", conv["id"], "msg_a") is not None
    assert storage.delete_item("alice", conv["id"], "msg_a")
    assert storage.get_item("alice", conv["id"], "msg_a") is None
    assert storage.all_items("alice", conv["id"]) == []


def test_a_file_database_persists_uses_wal_and_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "gateway.sqlite"
    first = Storage(str(path))
    conv = first.create_conversation("alice", {}, [message("kept")])
    first.save_response("alice", response("resp_1"), [])
    first.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    second = Storage(str(path))
    assert second.get_response("alice", "resp_1") is not None
    assert [i["content"][0]["text"] for i in second.all_items("alice", conv["id"]) or []] == ["kept"]
    second.close()


def test_writes_from_many_threads_all_land_in_order_per_conversation(storage: Storage) -> None:
    conv = storage.create_conversation("alice", {}, [])

    def work(n: int) -> None:
        for k in range(20):
            storage.add_items("alice", conv["id"], [message(f"{n}-{k}")])
            storage.save_response("alice", response(f"resp_{n}_{k}"), [])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = [i["content"][0]["text"] for i in storage.all_items("alice", conv["id"]) or []]
    assert len(texts) == 80
    for n in range(4):  # each thread's own items stay in the order it wrote them
        assert [t for t in texts if t.startswith(f"{n}-")] == [f"{n}-{k}" for k in range(20)]
    assert storage.get_response("alice", "resp_3_19") is not None
