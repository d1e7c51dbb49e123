"""harness.derive over the committed peer recordings (cassettes/peers/, read in place): each cause a gateway's
translation really produced is derived with its exact kind and field, and what arrived translated is never called
dropped."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness import upstream_journal
from harness.derive import Cause, Derivation, Kind, derivation, derive, derive_cassette, significant
from harness.derive.views import anthropic_view, chat_view, gemini_view, responses_view
from harness.wire import exchange_from, load_exchanges

PEERS = Path(__file__).resolve().parent.parent.parent / "cassettes" / "peers"


def cassette(route: str, probe: str) -> Path:
    peer = route.split("-", 1)[0]
    return PEERS / peer / route / f"{probe}.yaml"


def derived(route: str, probe: str) -> Derivation:
    path = cassette(route, probe)
    return derivation(load_exchanges(path), upstream_journal.load(path))


def only(causes: Any, field: str) -> Cause:
    found = [c for c in causes if c.field == field]
    assert len(found) == 1, f"{field}: {found}"
    return found[0]


# dropped / translated -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ["litellm-anthropic", "litellm-gemini", "litellm-groq"])
def test_tool_choice_required_dropped_on_web_search_preview(route: str) -> None:
    cause = only(derived(route, "responses.hosted.web_search_preview").causes, "tool_choice")
    assert (cause.kind, cause.client, cause.upstream) == (Kind.DROPPED, "required", None)
    assert cause.text == '`tool_choice: "required"` dropped'


@pytest.mark.parametrize(
    ("route", "upstream"), [("litellm-anthropic", "web_search_20250305"), ("litellm-gemini", "googleSearch")]
)
def test_the_hosted_search_tool_reached_the_upstream_translated(route: str, upstream: str) -> None:
    result = derived(route, "responses.hosted.web_search_preview")
    cause = only(result.causes, "tools[web_search_preview]")
    assert (cause.kind, cause.client, cause.upstream) == (Kind.TRANSLATED, "web_search_preview", upstream)
    assert "tools[web_search_preview]" in result.arrived


def test_a_hosted_tool_that_never_went_upstream_is_dropped() -> None:
    cause = only(derived("litellm-groq", "responses.hosted.web_search_preview").causes, "tools[web_search_preview]")
    assert (cause.kind, cause.text) == (Kind.DROPPED, "`web_search_preview` tool dropped")


def test_parallel_false_is_translated_for_anthropic_not_dropped() -> None:
    result = derived("litellm-anthropic", "responses.tools.parallel_false")
    cause = only(result.causes, "parallel_tool_calls")
    assert (cause.kind, cause.client, cause.upstream) == (Kind.TRANSLATED, False, True)
    assert cause.text == "`parallel_tool_calls: false` passed on as `tool_choice.disable_parallel_tool_use: true`"
    assert "parallel_tool_calls" in result.arrived
    assert not [c for c in result.causes if c.kind == Kind.DROPPED]


def test_parallel_false_passes_verbatim_to_chat() -> None:
    result = derived("litellm-groq", "responses.tools.parallel_false")
    assert "parallel_tool_calls" in result.arrived
    assert not [c for c in result.causes if c.field == "parallel_tool_calls"]


def test_parallel_false_cannot_be_passed_on_to_gemini() -> None:
    cause = only(derived("litellm-gemini", "responses.tools.parallel_false").causes, "parallel_tool_calls")
    assert (cause.kind, cause.client, cause.upstream) == (Kind.DROPPED, False, None)
    assert cause.text == "`parallel_tool_calls: false` cannot be passed on: Gemini has no such setting"


def test_verbosity_dropped_on_chat_and_impossible_on_gemini() -> None:
    groq = only(derived("litellm-groq", "responses.structured.verbosity").causes, "text.verbosity")
    gemini = only(derived("litellm-gemini", "responses.structured.verbosity").causes, "text.verbosity")
    assert (groq.kind, groq.text) == (Kind.DROPPED, '`text.verbosity: "low"` dropped')
    assert gemini.kind == Kind.DROPPED and "cannot be passed on: Gemini" in gemini.text


def test_instructions_sent_as_a_user_message_is_changed() -> None:
    cause = only(derived("litellm-gemini", "responses.basic.instructions").causes, "instructions")
    assert (cause.kind, cause.upstream) == (Kind.CHANGED, "user")


def test_an_unknown_input_item_dropped() -> None:
    cause = only(derived("litellm-groq", "responses.state.unknown_items").causes, "input[0]")
    assert (cause.kind, cause.client) == (Kind.DROPPED, "x_conformance_probe")


# added ---------------------------------------------------------------------------------------------------------------
def test_max_tokens_the_gateway_adds_for_anthropic() -> None:
    cause = only(derived("litellm-anthropic", "responses.tools.parallel_false").causes, "max_output_tokens")
    assert (cause.kind, cause.client, cause.upstream) == (Kind.ADDED, None, 4096)
    assert cause.text.startswith("`max_tokens: 4096` added (Anthropic requires it")


def test_a_field_the_gateway_adds_to_usage() -> None:
    causes = list(derived("litellm-openai", "responses.consistency.stream_vs_plain").causes)
    assert [(c.kind, c.field, c.exchange) for c in causes] == [
        (Kind.ADDED, "usage.cost", 0),
        (Kind.ADDED, "usage.cost", 1),
    ]
    assert causes[0].client is None and isinstance(causes[1].client, float)


def test_a_hosted_tool_replaced_by_the_gateways_own_function() -> None:
    result = derived("litellm-anthropic", "responses.hosted.file_search")
    cause = only(result.causes, "tools[file_search]")
    assert (cause.kind, cause.upstream) == (Kind.CHANGED, "litellm_file_search")
    assert only(result.causes, "request").kind == Kind.ADDED  # its second upstream request, the tool's result
    assert only(result.causes, "tool_choice").kind == Kind.TRANSLATED  # "required" -> {"type": "any"}


def test_structured_output_as_a_forced_tool_is_translated() -> None:
    cause = only(derived("litellm-groq", "responses.structured.json_schema").causes, "text.format")
    assert (cause.kind, cause.upstream) == (Kind.TRANSLATED, "json_tool_call")


# history -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ["litellm-groq", "litellm-anthropic", "litellm-gemini"])
def test_history_missing_on_litellms_chat_routes(route: str) -> None:
    cause = only(derived(route, "responses.state.previous_response_id").causes, "history")
    assert (cause.kind, cause.client, cause.upstream, cause.exchange) == (Kind.DROPPED, 3, 1, 1)
    assert cause.text == "turn 1 missing from the upstream's messages (1 of 3 messages arrived)"


def test_history_forwarded_by_id_on_the_native_route() -> None:
    result = derived("litellm-openai", "responses.state.previous_response_id")
    assert "history" in result.arrived
    assert not [c for c in result.causes if c.field in ("history", "previous_response_id")]


# answers -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("probe", ["responses.hosted.web_search", "agents.hosted_tool"])
def test_geminis_grounding_never_reached_the_client(probe: str) -> None:
    cause = only(derived("litellm-gemini", probe).causes, "output.web_search_call")
    assert (cause.kind, cause.upstream) == (Kind.NOT_RETURNED, "web_search_call")
    assert "grounding (`groundingMetadata`) did not reach the client" in cause.text


@pytest.mark.parametrize("probe", ["responses.hosted.web_search", "agents.hosted_tool"])
def test_anthropics_search_reached_the_client(probe: str) -> None:
    result = derived("litellm-anthropic", probe)
    assert not result.of(Kind.NOT_RETURNED)
    assert only(result.causes, "tools[web_search]").upstream == "web_search_20250305"


def test_an_upstream_answer_the_gateway_turned_into_a_500() -> None:
    cause = only(derived("portkey-openai", "responses.stream.text").causes, "response")
    assert (cause.kind, cause.client, cause.upstream) == (Kind.NOT_RETURNED, 500, 200)


@pytest.mark.parametrize("route", ["portkey-openai", "otari-openai"])
def test_an_upstream_body_passed_on_with_a_200_is_not_called_lost(route: str) -> None:
    # `faults.wrong_shape`: the upstream's `{"unexpected":true}` reached the client as it was; the fault probe says
    # what is wrong with that, and no derived cause may claim it never arrived.
    assert [c for c in derived(route, "faults.wrong_shape").causes if c.field == "response"] == []


def test_a_recomputed_answer_that_disagrees_with_the_client_proves_nothing() -> None:
    """The client's text is the evidence that the scripted rules still answer as they did when recorded."""
    path = cassette("litellm-gemini", "responses.hosted.web_search")
    exchange = load_exchanges(path)[0]
    body = json.loads(exchange.body)
    body["output"][0]["content"][0]["text"] = "Something else."
    altered = dataclasses.replace(exchange, response_json=body)
    assert not derivation([altered], upstream_journal.load(path)).of(Kind.NOT_RETURNED)


# no upstream call, no journal ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ["litellm-groq", "litellm-anthropic", "litellm-gemini"])
def test_no_upstream_call_for_a_wrong_input_type(route: str) -> None:
    causes = derived(route, "errors.request.type_input").causes
    assert [(c.kind, c.field, c.client) for c in causes] == [(Kind.NO_UPSTREAM_CALL, "request", 500)]
    assert causes[0].text == "no request reached the upstream (the client got 500)"


def test_no_journal(tmp_path: Path) -> None:
    path = tmp_path / "responses.tools.parallel_false.yaml"
    shutil.copy(cassette("litellm-anthropic", "responses.tools.parallel_false"), path)
    assert [(c.kind, c.field) for c in derive_cassette(path)] == [(Kind.NO_JOURNAL, "journal")]
    assert [c.kind for c in derive(load_exchanges(path), None)] == [Kind.NO_JOURNAL]
    assert derive(load_exchanges(path), []) == [
        Cause(Kind.NO_UPSTREAM_CALL, "request", "no request reached the upstream (the client got 200)", 200, None, 0)
    ]


# pairing ------------------------------------------------------------------------------------------------------------
def test_each_client_request_pairs_with_its_own_upstream_request() -> None:
    """The plain and the streamed request have the same input: the stream flag tells which went where."""
    result = derived("litellm-gemini", "responses.consistency.stream_vs_plain")
    paths = [[str(e["path"]).rpartition(":")[2] for e, _ in p.entries] for p in result.pairs]
    assert paths == [["generateContent"], ["streamGenerateContent"]]
    assert result.models == {"gemini-flash", "gemini-2.0-flash"}


def test_entries_of_another_model_are_left_out() -> None:
    path = cassette("litellm-anthropic", "responses.tools.parallel_false")
    journal = upstream_journal.load(path)
    other = {**journal[0], "seq": 1, "body": {**journal[0]["body"], "model": "claude-3-5-haiku-20241022"}}
    result = derivation(load_exchanges(path), [other, *journal])
    assert [e["seq"] for e, _ in result.pairs[0].entries] == [journal[0]["seq"]]


# the tables ---------------------------------------------------------------------------------------------------------
def test_each_protocol_reads_the_same_settings() -> None:
    responses = responses_view(
        {"model": "m", "input": "hi", "tool_choice": {"type": "function", "name": "f"}, "max_output_tokens": 9}
    )
    chat = chat_view(
        {"model": "m", "messages": [], "tool_choice": {"type": "function", "function": {"name": "f"}}, "max_tokens": 9}
    )
    anthropic = anthropic_view(
        {"model": "m", "messages": [], "tool_choice": {"type": "tool", "name": "f"}, "max_tokens": 9}
    )
    gemini = gemini_view(
        {
            "contents": [],
            "tool_config": {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["f"]}},
            "generation_config": {"max_output_tokens": 9},
        },
        "/v1beta/models/gemini-2.0-flash:generateContent",
    )
    for view in (responses, chat, anthropic, gemini):
        assert view.settings["tool_choice"].value == "function f", view.protocol
        assert view.settings["max_output_tokens"].value == 9, view.protocol
    assert gemini.settings["max_output_tokens"].wire == "generation_config.max_output_tokens"
    assert gemini.model == "gemini-2.0-flash"


def test_a_synthetic_exchange() -> None:
    request = {"method": "POST", "uri": "http://gw/v1/responses", "body": json.dumps({"model": "m", "input": "Hi."})}
    response = {"status": {"code": 400}, "headers": {"content-type": ["application/json"]}, "body": {"string": "{}"}}
    exchange = exchange_from(0, request, response)
    assert [c.kind for c in derive([exchange], [])] == [Kind.NO_UPSTREAM_CALL]
    with pytest.raises(dataclasses.FrozenInstanceError):
        derive([exchange], [])[0].kind = Kind.ADDED  # type: ignore[misc]


def test_significant_leaves_out_translations_and_required_fields() -> None:
    causes = derived("litellm-anthropic", "responses.hosted.web_search_preview").causes
    assert [(c.kind, c.field) for c in significant(causes)] == [(Kind.DROPPED, "tool_choice")]
    assert {c.protocol for c in causes} == {"anthropic"}
