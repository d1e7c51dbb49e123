"""What an OpenAI-style emulator's refusal looks like: a 400 in OpenAI's error envelope, naming the field."""

from __future__ import annotations

import httpx


def assert_openai_400(response: httpx.Response, param: str | None) -> None:
    """A 400 whose body is exactly OpenAI's envelope; `param` names the field when given."""
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    if param:
        assert error["param"] == param
