"""The capability table: what each route does with each feature, and the exact rejection messages."""

from __future__ import annotations

import pytest

from reference_gateway import capabilities
from reference_gateway.errors import GatewayError
from reference_gateway.providers.base import ProviderSettings

NATIVE = ProviderSettings("openai", "openai_responses", "http://u")
GROQ = ProviderSettings("groq", "openai_chat", "http://u", stateful="replay")
STRICT = ProviderSettings("groq-strict", "openai_chat", "http://u", stateful="reject", compact="reject")
ANTHROPIC = ProviderSettings("anthropic", "anthropic", "http://u", stateful="replay")
GEMINI = ProviderSettings("gemini", "gemini", "http://u")


@pytest.mark.parametrize("tool", ["web_search_preview", "file_search", "computer_use_preview", "code_interpreter"])
def test_hosted_tools_are_rejected_on_chat_routes_with_the_documented_message(tool: str) -> None:
    with pytest.raises(GatewayError) as err:
        capabilities.check(GROQ, "m", {"tools": [{"type": tool}]})
    assert err.value.status == 400 and err.value.type == "invalid_request_error" and err.value.param == "tools"
    assert err.value.message == (
        f'responses tool type "{tool}" is only supported by native Responses providers; '
        "chat-translated providers only support function tools"
    )


def test_native_routes_forward_everything() -> None:
    payload = {
        "tools": [{"type": "web_search_preview"}],
        "previous_response_id": "resp_1",
        "input": [{"type": "x_future"}],
        "text": {"verbosity": "low"},
    }
    assert set(capabilities.check(NATIVE, "m", payload).values()) == {"forwarded"}


def test_stateful_fields_follow_the_providers_setting() -> None:
    assert capabilities.check(GROQ, "m", {"previous_response_id": "r"}) == {"state.previous_response_id": "replayed"}
    for field, value in (("conversation", "conv_1"), ("previous_response_id", "resp_1")):
        # `stateful: reject`: the table names the field (state.py never sees such a request)
        with pytest.raises(GatewayError) as err:
            capabilities.check(STRICT, "m", {field: value})
        assert err.value.param == field and field in err.value.message and "stateful: reject" in err.value.message


def test_anthropic_rejects_structured_output_and_verbosity_instead_of_dropping_them() -> None:
    for payload in ({"text": {"format": {"type": "json_schema", "schema": {}}}}, {"text": {"verbosity": "low"}}):
        with pytest.raises(GatewayError) as err:
            capabilities.check(ANTHROPIC, "m", payload)
        assert "Anthropic" in err.value.message


def test_gemini_translates_structured_output_but_rejects_verbosity() -> None:
    assert capabilities.check(GEMINI, "m", {"text": {"format": {"type": "json_schema"}}}) == {
        "structured.json_schema": "translated"
    }
    with pytest.raises(GatewayError):
        capabilities.check(GEMINI, "m", {"text": {"verbosity": "high"}})


def test_operations_unsupported_by_a_provider_are_a_501_with_a_code() -> None:
    with pytest.raises(GatewayError) as err:
        capabilities.check_operation(STRICT, "m", "compact")
    assert err.value.status == 501 and err.value.code == "unsupported_response_operation"
    assert capabilities.check_operation(ANTHROPIC, "m", "input_tokens") == "translated"


def test_the_published_table_covers_every_provider_and_feature() -> None:
    rows = capabilities.table({"openai": NATIVE, "groq": GROQ})
    assert len(rows) == 2 * len(capabilities.FEATURES)
    assert {
        "provider": "groq",
        "type": "openai_chat",
        "model": "*",
        "api_mode": "chat",
        "feature": "hosted.web_search_preview",
        "decision": "rejected",
    } in rows


def test_the_gateway_and_the_harness_share_one_feature_vocabulary() -> None:
    from harness import features as harness_features
    from harness.probes import CATALOGUE

    assert capabilities.FEATURES == harness_features.FEATURES
    # Every probe of a capability family names a listed feature, so a targets file's override and the gateway's
    # published table speak of the same thing.
    families = ("hosted.", "state.", "structured.", "input.")
    probed = {p.feature for p in CATALOGUE if p.feature.startswith(families) or p.feature in capabilities.FEATURES}
    assert probed <= set(capabilities.FEATURES), probed - set(capabilities.FEATURES)
    assert {"tools", "state.previous_response_id", "hosted.web_search", "transport.websocket"} <= probed


def test_decisions_and_settings_are_enums() -> None:
    decisions = capabilities.check(GROQ, "m", {"tools": [{"type": "function", "name": "f"}], "conversation": "c"})
    assert decisions == {
        "tools": capabilities.Decision.TRANSLATED,
        "state.conversation": capabilities.Decision.REPLAYED,
    }
    with pytest.raises(ValueError):
        ProviderSettings("x", "openai_chat", "http://u", stateful="sometimes")
