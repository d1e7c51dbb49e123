"""report.html, loaded in a real headless Chromium: the summary shows, a shared link opens a failed cell's evidence
(its requirement and its wire log) and the outcome filter hides what does not match."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.model import Behaviour, Finding, Level, Outcome, Rejection, Strictness, Verdict
from harness.reports.html import render_html, write_html
from harness.run_info import RunInfo

CASSETTES = Path(__file__).parent.parent.parent / "cassettes" / "reference-native"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
REQUIREMENT = "A hosted web_search call MUST carry its sources as an array."


def _verdicts(tmp_path: Path) -> list[Verdict]:
    """A pass, a fail with findings (its cassette a real recorded stream, with an upstream journal beside it), a
    clean rejection and a skip, over two targets."""
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    passed = shutil.copy(CASSETTES / "responses.basic.text.yaml", cassettes / "t1-basic.yaml")
    failed = shutil.copy(CASSETTES / "responses.stream.text.yaml", cassettes / "t1-search.yaml")
    journal = [
        {
            "seq": 7,
            "protocol": "anthropic",
            "method": "POST",
            "path": "/v1/messages",
            "status": 200,
            "credential": "valid",
            "body": {"model": "claude-sonnet-4", "messages": [{"role": "user"}]},
        }
    ]
    (cassettes / "t1-search.journal.json").write_text(json.dumps({"data": journal}))
    findings = [
        Finding(
            "schema.Response",
            Level.MUST,
            "null is not of type 'array'",
            0,
            "$.output[1].action.sources",
            "array",
            "null",
        ),
        Finding("schema.Response", Level.MUST, "1 more schema.Response finding like the above", 0, elided=1),
    ]
    return [
        Verdict("t1", "responses.basic.text", Level.MUST, Outcome.PASS, requirement="text", cassette=str(passed)),
        Verdict("t2", "responses.basic.text", Level.MUST, Outcome.PASS, requirement="text"),
        Verdict(
            "t1",
            "responses.hosted.web_search",
            Level.MUST,
            Outcome.FAIL,
            message="wire: <sources> is null",
            requirement=REQUIREMENT,
            cassette=str(failed),
            findings=findings,
        ),
        Verdict(
            "t2",
            "responses.hosted.web_search",
            Level.MUST,
            Outcome.PASS_REJECTED,
            behaviour=Behaviour.REJECTED,
            rejection=Rejection(400, "web_search is not supported", "invalid_request_error", "unsupported"),
        ),
        Verdict("t1", "agents.compaction", Level.MUST, Outcome.SKIP, behaviour=Behaviour.SKIPPED, message="n/a"),
        Verdict("t2", "agents.compaction", Level.MUST, Outcome.PASS),
    ]


class Page(HTMLParser):
    """Each element with an id or a data-key/data-probe: its attributes, and the text inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: dict[str, dict[str, str | None]] = {}
        self.text: dict[str, str] = {}
        self.stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        key = found.get("id") or found.get("data-key") or found.get("data-probe")
        key = f"{tag}:{key}" if key else None
        if key:
            self.elements[key], self.text[key] = found, ""
        if tag not in ("meta", "input", "br", "link"):
            self.stack.append((tag, key))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, key in self.stack:
            if key:
                self.text[key] += data


def _dump(page: Path, fragment: str) -> Page:
    assert CHROMIUM
    command = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--virtual-time-budget=3000", "--dump-dom"]
    done = subprocess.run([*command, page.as_uri() + fragment], capture_output=True, text=True, timeout=60, check=True)
    parsed = Page()
    parsed.feed(done.stdout)
    return parsed


def test_the_page_is_self_contained_and_readable_without_js(tmp_path: Path) -> None:
    run = RunInfo("sdk", "3.57.0", "0.24.0", "openai 3.57.0 (committed snapshot)")
    text = render_html(_verdicts(tmp_path), run=run, generated=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "nothing may load from the network"
    assert "2026-01-02 03:04 UTC" in text and "strictness <b>sdk</b>" in text
    assert "judged with openai <b>3.57.0</b> and openai-agents <b>0.24.0</b>" in text and "committed snapshot" in text
    # Text beside every colour, no emoji; every cell a link to its evidence, which is in the page.
    assert ">fail · works · 2 wire deviations</a>" in text and ">rejected cleanly</a>" in text
    assert not re.search("[\U0001f300-\U0001faff\u2600-\u27bf]", text)
    page = Page()
    page.feed(text)
    assert "hidden" in page.elements["form:filters"], "the filters need JS, so they start hidden"
    for key in ("t1/responses.hosted.web_search", "t2/agents.compaction"):
        assert page.elements[f"td:{key}"] and f"details:ev-{key}" in page.elements
    evidence = page.text["details:ev-t1/responses.hosted.web_search"]
    assert "wire: <sources> is null" in evidence and "$.output[1].action.sources" in evidence
    assert "upstream journal" in evidence.lower() and "/v1/messages" in evidence and "claude-sonnet-4" in evidence
    assert "POST http://127.0.0.1:" in evidence and "response.output_text.delta" in evidence
    assert "HTTP 400 'web_search is not supported'" in page.text["details:ev-t2/responses.hosted.web_search"]


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH (apt-get install chromium)")
def test_in_chromium_a_shared_link_opens_a_failed_cell_and_filters_by_outcome(tmp_path: Path) -> None:
    path = write_html(_verdicts(tmp_path), tmp_path / "report.html", run=RunInfo.current(Strictness.OPENAI))

    page = _dump(path, "")
    assert "hidden" not in page.elements["form:filters"], "JS shows the filters"
    counts = " ".join(page.text["ul:counts"].split())
    assert all(n in counts for n in ("3pass", "1rejected cleanly", "0non-strict", "1fail", "1skip", "6total"))
    assert "6 of 6 cells shown" in page.text["span:shown"]
    assert all("hidden" not in page.elements[f"tr:{p}"] for p in ("responses.basic.text", "agents.compaction"))

    key = "t1/responses.hosted.web_search"
    page = _dump(path, f"#open={key}&outcome=fail")
    evidence = page.elements[f"details:ev-{key}"]
    assert "open" in evidence and "current" in (evidence.get("class") or "")
    assert "hidden" not in evidence
    assert REQUIREMENT in page.text[f"details:ev-{key}"]
    assert "POST http://127.0.0.1:" in page.text[f"details:ev-{key}"]
    assert "selected" in (page.elements[f"td:{key}"].get("class") or "")
    # Only the failed cell is shown: rows without a failure are hidden, and so are other cells and their evidence.
    assert "hidden" in page.elements["tr:responses.basic.text"]
    assert "hidden" in page.elements["tr:agents.compaction"]
    assert "hidden" not in page.elements["tr:responses.hosted.web_search"]
    assert "out" in (page.elements["td:t2/responses.hosted.web_search"].get("class") or "")
    assert "hidden" in page.elements["details:ev-t1/responses.basic.text"]
    assert "1 of 6 cells shown" in page.text["span:shown"]

    page = _dump(path, "#area=agents")
    assert "hidden" in page.elements["tr:responses.basic.text"]
    assert "hidden" not in page.elements["tr:agents.compaction"]
