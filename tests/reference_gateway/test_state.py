"""State rules: forward and replay modes; chain order; isolation between keys; what record keeps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reference_gateway import state
from reference_gateway.errors import GatewayError
from reference_gateway.storage import MemoryStorage, Storage
from tests.reference_gateway.in_process import turn_of


@pytest.fixture
def storage() -> Iterator[Storage]:
    store = MemoryStorage()
    yield store
    store.close()


def said(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def answer(response_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    out: dict[str, Any] = {"id": f"msg_{response_id}", "type": "message", "role": "assistant", "status": "completed"}
    out["content"] = [{"type": "output_text", "text": text, "annotations": []}]
    return {"id": response_id, "object": "response", "status": status, "output": [out]}


def turn(storage: Storage, owner: str, response_id: str, text: str, **payload: Any) -> None:
    """One stored exchange, recorded as the routes record it."""
    payload = {"model": "m", "input": text, **payload}
    state.record(storage, turn_of(owner, payload), answer(response_id, f"re {text}"))


def expand(storage: Storage, owner: str, payload: dict[str, Any], *, mode: str) -> list[dict[str, Any]]:
    """What the upstream is given: the history the request names, then its input."""
    parsed = turn_of(owner, payload)
    return [*state.history(storage, parsed, mode=mode), *parsed.input]


def texts(items: list[dict[str, Any]]) -> list[str]:
    return [part["text"] for item in items for part in item["content"]]


def raised(storage: Storage, payload: dict[str, Any], mode: str, owner: str = "alice") -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        expand(storage, owner, {"model": "m", **payload}, mode=mode)
    return caught.value


@pytest.mark.parametrize("mode", ["forward", "replay"])
def test_a_string_input_becomes_one_user_message(storage: Storage, mode: str) -> None:
    assert expand(storage, "alice", {"input": "hi"}, mode=mode) == [said("hi")]


def test_replay_puts_the_whole_chain_first_oldest_turn_first(storage: Storage) -> None:
    turn(storage, "alice", "resp_1", "one")
    turn(storage, "alice", "resp_2", "two", previous_response_id="resp_1")
    items = expand(storage, "alice", {"input": "three", "previous_response_id": "resp_2"}, mode="replay")
    assert texts(items) == ["one", "re one", "two", "re two", "three"]
    assert [i["role"] for i in items] == ["user", "assistant", "user", "assistant", "user"]


@pytest.mark.parametrize("case", ["unknown", "store_false", "other_key", "failed"])
def test_replay_refuses_a_previous_response_it_cannot_rebuild(storage: Storage, case: str) -> None:
    turn(storage, "bob", "resp_bob", "bob's secret")
    turn(storage, "alice", "resp_ephemeral", "gone", store=False)
    state.record(storage, turn_of("alice", {"input": "x"}), answer("resp_failed", "half", status="failed"))
    previous = {
        "unknown": "resp_nope",
        "store_false": "resp_ephemeral",
        "other_key": "resp_bob",
        "failed": "resp_failed",
    }[case]
    error = raised(storage, {"input": "q", "previous_response_id": previous}, "replay")
    assert (error.status, error.type, error.code) == (400, "invalid_request_error", "previous_response_not_found")
    assert error.param == "previous_response_id"
    assert error.message == f"Previous response with id '{previous}' not found."


def test_forward_continues_only_the_callers_live_responses(storage: Storage) -> None:
    payload = {"input": "q", "previous_response_id": "resp_mine"}
    turn(storage, "alice", "resp_mine", "mine")
    assert expand(storage, "alice", payload, mode="forward") == [said("q")]
    turn(storage, "bob", "resp_bob", "bob's")
    storage.claim("alice", "resp_unstored", "openai")  # store: false, still alice's
    assert expand(storage, "alice", {**payload, "previous_response_id": "resp_unstored"}, mode="forward")
    storage.delete_response("alice", "resp_mine")
    # Another key's id, a deleted one and one the gateway never handed out get the same answer, word for word,
    # although the upstream may still hold each of them.
    for other in ("resp_bob", "resp_mine", "resp_upstream_only"):
        error = raised(storage, {**payload, "previous_response_id": other}, "forward")
        assert (error.status, error.code, error.param) == (400, "previous_response_not_found", "previous_response_id")
        assert error.message == f"Previous response with id '{other}' not found."


@pytest.mark.parametrize("mode", ["forward", "replay"])
def test_a_conversation_is_expanded_by_the_gateway_on_every_route(storage: Storage, mode: str) -> None:
    conv = storage.create_conversation("alice", {}, [said("Remember the code word fig.")])
    for named in (conv["id"], {"id": conv["id"]}):
        items = expand(storage, "alice", {"input": "q", "conversation": named}, mode=mode)
        assert texts(items) == ["Remember the code word fig.", "q"]
    error = raised(storage, {"input": "q", "conversation": conv["id"]}, mode, owner="bob")
    assert (error.status, error.type, error.param) == (404, "not_found_error", "conversation")
    assert raised(storage, {"input": "q", "conversation": "conv_nope"}, mode).status == 404


@pytest.mark.parametrize("mode", ["forward", "replay"])
def test_previous_response_id_and_conversation_together_are_refused(storage: Storage, mode: str) -> None:
    conv = storage.create_conversation("alice", {}, [])
    turn(storage, "alice", "resp_1", "one")
    error = raised(storage, {"input": "q", "conversation": conv["id"], "previous_response_id": "resp_1"}, mode)
    assert error.status == 400 and "cannot be used together" in error.message


@pytest.mark.parametrize(
    ("payload", "param"),
    [({"previous_response_id": 7}, "previous_response_id"), ({"conversation": {"name": "x"}}, "conversation")],
)
def test_malformed_state_fields_are_a_400_naming_them(storage: Storage, payload: dict[str, Any], param: str) -> None:
    error = raised(storage, {"input": "q", **payload}, "replay")
    assert (error.status, error.param) == (400, param)


def test_an_unknown_mode_is_a_programming_error(storage: Storage) -> None:
    with pytest.raises(ValueError, match="mode"):
        expand(storage, "alice", {"input": "q"}, mode="guess")


def test_record_keeps_completed_responses_with_ids_on_their_input(storage: Storage) -> None:
    turn(storage, "alice", "resp_1", "one")
    stored = storage.get_input_items("alice", "resp_1")
    assert stored is not None and stored[0]["id"].startswith("msg_") and texts(stored) == ["one"]
    assert storage.get_response("alice", "resp_1") == answer("resp_1", "re one")


def test_record_skips_store_false_and_unfinished_responses(storage: Storage) -> None:
    turn(storage, "alice", "resp_ephemeral", "x", store=False)
    for status in ("failed", "in_progress"):
        state.record(storage, turn_of("alice", {"input": "x"}), answer(f"resp_{status}", "x", status=status))
        assert storage.get_response("alice", f"resp_{status}") is None
    assert storage.get_response("alice", "resp_ephemeral") is None


def test_record_keeps_a_response_cut_at_its_output_limit_as_incomplete(storage: Storage) -> None:
    # OpenAI keeps an answer cut by max_output_tokens (status incomplete): it can be retrieved and continued.
    state.record(storage, turn_of("alice", {"input": "x"}), answer("resp_cut", "x", status="incomplete"))
    stored = storage.get_response("alice", "resp_cut")
    assert stored is not None and stored["status"] == "incomplete"


def test_record_fills_the_link_the_chain_is_followed_through(storage: Storage) -> None:
    turn(storage, "alice", "resp_1", "one")
    turn(storage, "alice", "resp_2", "two", previous_response_id="resp_1")  # the answer body has no link itself
    stored = storage.get_response("alice", "resp_2")
    assert stored is not None and stored["previous_response_id"] == "resp_1"


def test_record_appends_the_turn_to_its_conversation_even_when_not_stored(storage: Storage) -> None:
    conv = storage.create_conversation("alice", {}, [said("start")])
    turn(storage, "alice", "resp_1", "one", conversation=conv["id"])
    turn(storage, "alice", "resp_2", "two", conversation={"id": conv["id"]}, store=False)
    items = storage.all_items("alice", conv["id"])
    assert items is not None and texts(items) == ["start", "one", "re one", "two", "re two"]
    assert all(item["id"] for item in items)
    assert storage.get_response("alice", "resp_2") is None
