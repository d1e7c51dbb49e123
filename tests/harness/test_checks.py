"""Shared probe checks say what is wrong, not what it looks like from the wrong side."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.model import ProbeFailure
from harness.probes._checks import listed_texts


def test_listed_texts_reads_parts_in_order_and_names_a_string_content() -> None:
    part = lambda text: SimpleNamespace(type="input_text", text=text)  # noqa: E731
    items = [SimpleNamespace(content=[part("one")]), SimpleNamespace(content=[part("two"), part("three")])]
    assert listed_texts(items, "items.list") == ["one", "two", "three"]
    with pytest.raises(ProbeFailure, match="plain string") as err:
        listed_texts([*items, SimpleNamespace(content="four")], "items.list")
    assert err.value.received == "data[2].content = 'four'"
