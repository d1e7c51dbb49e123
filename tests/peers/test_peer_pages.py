"""docs/peers/ cannot go stale: each peer's page and the summary, regenerated from the committed cassettes and
expectations (what `python -m peers.pages` writes), equal the committed files."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest

from harness.model import Verdict
from peers.pages import DOCS, not_probed, render_page, render_summary
from peers.run import PEERS

ROOT = Path(__file__).resolve().parent.parent.parent


def _differs(path: Path, generated: str) -> str:
    committed = path.read_text() if path.exists() else ""
    lines = difflib.unified_diff(committed.splitlines(), generated.splitlines(), "committed", "generated", lineterm="")
    return "\n".join(list(lines)[:40])


@pytest.mark.parametrize("peer", sorted(p.name for p in PEERS.values() if not p.unavailable))
def test_each_peer_page_is_what_its_cassettes_give(
    peer: str, peer_replay: tuple[list[Verdict], dict[str, Any]]
) -> None:
    page = DOCS / f"{peer}.md"
    generated = render_page(PEERS[peer], peer_replay[1])
    assert generated == page.read_text(), (
        f"{page.relative_to(ROOT)} is stale: run `python -m peers.pages`\n{_differs(page, generated)}"
    )


def test_the_summary_has_a_row_for_every_peer_and_is_current() -> None:
    generated = render_summary(list(PEERS.values()))
    for peer in PEERS.values():
        assert f"({peer.name}.md)" in generated, f"the summary has no row for {peer.name}"
    path = DOCS / "summary.md"
    assert generated == path.read_text(), (
        f"docs/peers/summary.md is stale: run `python -m peers.pages`\n{_differs(path, generated)}"
    )


def test_what_a_peer_does_not_probe_is_stated_with_its_reason() -> None:
    rows = not_probed(PEERS["llamastack"])
    auth = [why for _, probe, why in rows if probe.startswith("errors.auth")]
    assert auth and all("auth provider" in why for why in auth)
    oversized = [why for _, probe, why in rows if probe.startswith("errors.request.oversized")]
    assert oversized and all("too large to commit" in why for why in oversized)
    page = (DOCS / "llamastack.md").read_text()
    assert "## Not probed, and why" in page and "auth provider" in page
