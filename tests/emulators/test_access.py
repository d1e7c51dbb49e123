"""Keys and model catalogues per protocol: only the configured ones pass, the rest are refused as each provider
refuses them; defaults, create_app overrides, environment and flags."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators import create_app
from emulators.access import DEFAULT_KEYS, DEFAULT_MODELS, Access, from_pairs, settings
from harness.servers import wait_until_up
from tests.emulators.served import emulator_client

USER = [{"role": "user", "content": "Reply with exactly ok."}]
PRESET = Path(__file__).resolve().parents[2] / "reference_gateway" / "presets" / "probe.yaml"
GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "Reply with exactly ok."}]}]}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client() as http:
        yield http


async def _openai(client: httpx.AsyncClient, key: str | None, model: str = "gpt-5-mini") -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key is not None else {}
    return await client.post("/v1/responses", headers=headers, json={"model": model, "input": "hi"})


async def _chat(client: httpx.AsyncClient, key: str, model: str) -> httpx.Response:
    body = {"model": model, "messages": USER}
    return await client.post("/v1/chat/completions", headers={"authorization": f"Bearer {key}"}, json=body)


async def _anthropic(client: httpx.AsyncClient, key: str | None, model: str = DEFAULT_MODELS["anthropic"][0]) -> Any:
    headers = {"anthropic-version": "2023-06-01", **({"x-api-key": key} if key is not None else {})}
    body = {"model": model, "max_tokens": 16, "messages": USER}
    return await client.post("/v1/messages", headers=headers, json=body)


async def _gemini(client: httpx.AsyncClient, key: str | None, model: str = "gemini-2.0-flash") -> httpx.Response:
    headers = {"x-goog-api-key": key} if key is not None else {}
    return await client.post(f"/v1beta/models/{model}:generateContent", headers=headers, json=GEMINI_BODY)


async def test_the_default_keys_are_the_ones_the_probe_preset_sends(client: httpx.AsyncClient) -> None:
    for key in DEFAULT_KEYS["openai"]:
        assert (await _openai(client, key)).status_code == 200
        assert (await _chat(client, key, "llama-3.3-70b-versatile")).status_code == 200
    assert (await _anthropic(client, "sk-ant-upstream")).status_code == 200
    assert (await _gemini(client, "gemini-upstream")).status_code == 200
    preset = PRESET.read_text()
    for keys in DEFAULT_KEYS.values():
        assert all(f"api_key: {key}," in preset for key in keys)


async def test_a_wrong_key_is_refused_in_openais_format(client: httpx.AsyncClient) -> None:
    wrong = await _openai(client, "sk-wrong-key-0123456789")
    assert wrong.status_code == 401
    error = wrong.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_api_key"
    assert error["message"].startswith("Incorrect API key provided: sk-") and "0123456789" not in error["message"]
    missing = await _openai(client, None)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_api_key"
    assert "didn't provide an API key" in missing.json()["error"]["message"]


async def test_keys_are_per_protocol(client: httpx.AsyncClient) -> None:
    assert (await _openai(client, "sk-ant-upstream")).status_code == 401
    assert (await _anthropic(client, "sk-upstream-openai")).status_code == 401
    assert (await _gemini(client, "sk-upstream-openai")).status_code == 400


async def test_a_wrong_key_is_refused_in_anthropics_format(client: httpx.AsyncClient) -> None:
    wrong = await _anthropic(client, "sk-ant-wrong")
    assert wrong.status_code == 401
    assert wrong.json() == {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    missing = await _anthropic(client, None)
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "authentication_error"


async def test_a_wrong_key_is_refused_as_google_refuses_it(client: httpx.AsyncClient) -> None:
    wrong = await _gemini(client, "AIza-wrong")
    assert wrong.status_code == 400
    error = wrong.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["details"][0]["reason"] == "API_KEY_INVALID"
    query = await client.post("/v1beta/models/gemini-2.0-flash:generateContent?key=gemini-upstream", json=GEMINI_BODY)
    assert query.status_code == 200
    missing = await _gemini(client, None)
    assert missing.status_code == 403 and missing.json()["error"]["status"] == "PERMISSION_DENIED"


async def test_an_unknown_model_is_each_providers_not_found(client: httpx.AsyncClient) -> None:
    openai = await _openai(client, "sk-upstream-openai", "gpt-9000")
    assert openai.status_code == 404
    assert openai.json() == {
        "error": {
            "message": "The model `gpt-9000` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }
    chat = await _chat(client, "gsk-upstream", "llama-9000")
    assert chat.status_code == 404 and chat.json()["error"]["code"] == "model_not_found"
    anthropic = await _anthropic(client, "sk-ant-upstream", "claude-9000")
    assert anthropic.status_code == 404
    assert anthropic.json() == {"type": "error", "error": {"type": "not_found_error", "message": "model: claude-9000"}}
    gemini = await _gemini(client, "gemini-upstream", "gemini-9000")
    assert gemini.status_code == 404
    assert gemini.json() == {
        "error": {
            "code": 404,
            "message": "models/gemini-9000 is not found for API version v1beta, "
            "or is not supported for generateContent.",
            "status": "NOT_FOUND",
        }
    }


async def test_the_key_is_checked_before_the_model(client: httpx.AsyncClient) -> None:
    assert (await _openai(client, "sk-wrong", "gpt-9000")).status_code == 401


@pytest.mark.parametrize(
    ("model", "known"),
    [
        ("gpt-5-mini", True),
        ("fail-429", True),
        ("gpt-5-mini-fail-429", True),
        ("fail-500-gpt-4o", True),
        ("hang", True),
        ("nonsense-fail-429", False),
        ("gpt-9000", False),
        ("claude-sonnet-4-20250514", False),
    ],
)
def test_fault_names_pass_alone_or_joined_to_a_catalogued_model(model: str, known: bool) -> None:
    assert Access.build().model_ok("openai", model) is known


async def test_create_app_overrides_replace_one_protocols_defaults() -> None:
    app = create_app(keys={"openai": ["sk-mine"]}, models={"openai": ["my-model"]})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://up") as client:
        assert (await _openai(client, "sk-mine", "my-model")).status_code == 200
        assert (await _openai(client, "sk-upstream-openai", "my-model")).status_code == 401
        assert (await _openai(client, "sk-mine", "gpt-5-mini")).status_code == 404
        assert (await _anthropic(client, "sk-ant-upstream")).status_code == 200  # untouched protocol: defaults
        listed = await client.get("/v1/models", headers={"authorization": "Bearer sk-mine"})
        assert [m["id"] for m in listed.json()["data"]] == ["my-model"]
    with pytest.raises(ValueError, match="unknown protocol"):
        create_app(keys={"mistral": ["k"]})


def test_flags_beat_the_environment_which_beats_the_defaults() -> None:
    env = {"UPSTREAM_OPENAI_KEYS": "a, b", "UPSTREAM_GEMINI_MODELS": "gemini-x", "UPSTREAM_ANTHROPIC_KEYS": ""}
    access = settings(env, ["openai=c", "openai=d"], ["anthropic=claude-x"])
    assert access.keys["openai"] == {"c", "d"}
    assert access.models["gemini"] == ("gemini-x",) and access.models["anthropic"] == ("claude-x",)
    assert access.keys["anthropic"] == set(DEFAULT_KEYS["anthropic"])  # an empty variable is no setting
    assert settings(env).keys["openai"] == {"a", "b"}
    with pytest.raises(ValueError, match="PROTOCOL=VALUE"):
        from_pairs(["openai"])


def test_the_command_line_takes_keys_and_models_from_flags_and_environment() -> None:
    argv = [sys.executable, "-m", "emulators", "--port", "0", "--key", "openai=sk-flag", "--model", "openai=m1"]
    env = {**os.environ, "UPSTREAM_ANTHROPIC_KEYS": "sk-ant-env"}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("upstreams listening on ")
        wait_until_up(f"{url}/health", timeout=15, proc=proc)  # type: ignore[arg-type]
        ok = httpx.post(f"{url}/v1/responses", headers={"authorization": "Bearer sk-flag"}, json={"model": "m1"})
        assert ok.status_code == 200
        default_key = httpx.post(f"{url}/v1/responses", headers={"authorization": "Bearer sk-upstream-openai"})
        assert default_key.status_code == 401
        headers = {"x-api-key": "sk-ant-env", "anthropic-version": "2023-06-01"}
        body = {"model": "claude-sonnet-4-20250514", "max_tokens": 8, "messages": USER}
        assert httpx.post(f"{url}/v1/messages", headers=headers, json=body).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([*argv[:3], "--key", "nobody=x"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "PROTOCOL=VALUE" in bad.stderr
