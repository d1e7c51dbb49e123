"""report.html: self-contained (inline CSS and JS, harness/reports/html_assets.py), a summary at the top, the matrix
target x probe coloured by outcome with the words beside the colour, and behind every cell its evidence: the
requirement, the behaviour, the findings, the wire log read from the cassette and the upstream's request journal."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from harness.defects import Defect, group
from harness.model import Outcome, Verdict
from harness.reports.html_assets import CSS, JS
from harness.reports.matrix import PLAIN
from harness.run_info import RunInfo
from harness.wire import Exchange, load_exchanges

WORD = {
    Outcome.PASS: "pass",
    Outcome.PASS_REJECTED: "rejected cleanly",
    Outcome.NON_STRICT: "non-strict",
    Outcome.FAIL: "fail",
    Outcome.SKIP: "skip",
    Outcome.MODEL_LIMITED: "model-limited",
}
LEGEND = (
    "pass: the feature works for real. rejected cleanly: a 4xx/501 OpenAI error envelope naming the feature, where the "
    "target may reject it. non-strict: a SHOULD requirement missed. fail: a MUST requirement missed, by the probe's "
    "own check or by a MUST wire rule. After the outcome: what the probe's own check found (works, rejected, broken, "
    "skipped) and the wire deviations the judge found. Click a cell for its evidence."
)
REQUEST_CHARS, RESPONSE_CHARS, EVENT_CHARS, MAX_EVENTS, MAX_JOURNAL = 4000, 8000, 240, 150, 50
e = html.escape


def cell_text(verdict: Verdict) -> str:
    """The outcome in words, then both axes unless the outcome already says them: `fail · works · 3 wire
    deviations`, `fail · broken`, `pass`."""
    word = WORD[verdict.outcome]
    if PLAIN.get(verdict.outcome) is verdict.behaviour and not verdict.findings:
        return word
    return f"{word} · {verdict.label}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n… {len(text) - limit} more characters"


def _line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit]} … (+{len(text) - limit} characters)"


def _pre(text: str, limit: int) -> str:
    return f"<pre>{e(_clip(text, limit))}</pre>" if text else '<p class="none">(no body)</p>'


def _pretty(text: str | None, parsed: Any) -> str:
    return json.dumps(parsed, indent=2, ensure_ascii=False) if parsed is not None else (text or "")


def _headers(headers: dict[str, list[str]]) -> str:
    lines = "\n".join(f"{name}: {value}" for name, values in sorted(headers.items()) for value in values)
    return f"<details><summary>headers</summary><pre>{e(lines)}</pre></details>" if lines else ""


def _exchange(ex: Exchange) -> str:
    line = f"#{ex.index} {ex.method} {ex.url} → {ex.status} {ex.content_type}"
    if ex.sse is not None:
        shown = [f"{ev.event or '(data)'}  {_line(ev.data, EVENT_CHARS)}" for ev in ex.sse.events]
        more = len(shown) - MAX_EVENTS
        events = shown[:MAX_EVENTS] + ([f"… {more} more events"] if more > 0 else [])
        events += ["[DONE]"] if ex.sse.done else []
        events += [f"stream error: {error}" for error in ex.sse.errors]
        response = f"<pre>{e(chr(10).join(events))}</pre>" if events else '<p class="none">(no events)</p>'
        label = f"response: {len(ex.sse.events)} SSE events"
    else:
        response, label = _pre(_pretty(ex.body, ex.response_json), RESPONSE_CHARS), "response body"
    return (
        f'<div class="exchange"><div class="wireline"><code>{e(line)}</code></div>'
        f"<div>request body</div>{_pre(_pretty(ex.request_body, ex.request_json), REQUEST_CHARS)}"
        f"{_headers(ex.request_headers)}<div>{label}</div>{response}{_headers(ex.response_headers)}</div>"
    )


def _wire_log(cassette: str) -> str:
    exchanges = load_exchanges(cassette) if cassette else []
    if not exchanges:
        return '<p class="none">No exchanges recorded.</p>'
    return "".join(_exchange(ex) for ex in exchanges)


def _journal_entries(cassette: str) -> list[Any] | str | None:
    """The upstream's request journal kept beside the cassette (`<name>.journal.json`), if there is one."""
    if not cassette:
        return None
    path = Path(cassette)
    path = path.with_name(path.name.removesuffix(".yaml") + ".journal.json")
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"unreadable journal {path}: {error}"
    entries = data.get("data", []) if isinstance(data, dict) else data
    return entries if isinstance(entries, list) else f"unexpected journal shape in {path}"


def _journal(cassette: str) -> str:
    entries = _journal_entries(cassette)
    if entries is None:
        return ""
    if isinstance(entries, str):
        return f'<h4>Upstream journal</h4><p class="none">{e(entries)}</p>'
    parts = []
    for entry in entries[:MAX_JOURNAL]:
        item = entry if isinstance(entry, dict) else {"body": entry}
        query = f"?{item['query']}" if item.get("query") else ""
        line = (
            f"#{item.get('seq', '?')} {item.get('protocol', '')} {item.get('method', '')} {item.get('path', '')}"
            f"{query} → {item.get('status', '?')} (credential {item.get('credential', '?')})"
        )
        body = item.get("body")
        text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
        parts.append(f'<div class="exchange"><div class="wireline"><code>{e(line)}</code></div>')
        parts.append(f"{_pre('' if body is None else text, REQUEST_CHARS)}</div>")
    if len(entries) > MAX_JOURNAL:
        parts.append(f'<p class="none">… {len(entries) - MAX_JOURNAL} more requests</p>')
    return f"<h4>Upstream journal ({len(entries)} requests the emulated upstream received)</h4>{''.join(parts)}"


def _findings(verdict: Verdict) -> str:
    if not verdict.findings:
        return '<p class="none">No wire findings.</p>'
    head = "".join(f"<th>{h}</th>" for h in ("level", "rule", "exchange", "path", "message", "expected", "received"))
    rows = "".join(
        f"<tr><td>{e(f.level.value)}</td><td><code>{e(f.rule)}</code></td>"
        f"<td>{f.exchange if f.exchange >= 0 else ''}</td><td><code>{e(f.where)}</code></td><td>{e(f.message)}</td>"
        f"<td>{e(f.expected)}</td><td>{e(f.received)}</td></tr>"
        for f in verdict.findings
    )
    return f'<table class="findings"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _evidence(verdict: Verdict) -> str:
    key = f"{verdict.target}/{verdict.probe}"
    facts = {
        "requirement": verdict.requirement or "(not recorded)",
        "level": verdict.level.value,
        "outcome": WORD[verdict.outcome],
        "behaviour": verdict.behaviour.value,
        "defects": ", ".join(verdict.defects),
        "wire deviations": str(verdict.deviations),
        "message": verdict.message,
        "expected": verdict.expected,
        "received": verdict.received,
        "where": verdict.where,
        "rejection": str(verdict.rejection or ""),
        "cassette": verdict.cassette,
        "duration": f"{verdict.duration_ms} ms" if verdict.duration_ms else "",
    }
    facts_html = "".join(f"<dt>{name}</dt><dd>{e(value)}</dd>" for name, value in facts.items() if value)
    return (
        f'<details class="ev o-{verdict.outcome.value}" id="ev-{e(key)}" data-outcome="{verdict.outcome.value}" '
        f'data-area="{e(_area(verdict.probe))}"><summary>{e(verdict.target)} · <code>{e(verdict.probe)}</code> · '
        f'{e(cell_text(verdict))}</summary><div class="body"><dl class="facts">{facts_html}</dl>'
        f"<h4>Wire findings</h4>{_findings(verdict)}<h4>Wire log</h4>{_wire_log(verdict.cassette)}"
        f"{_journal(verdict.cassette)}</div></details>"
    )


def _area(probe_id: str) -> str:
    return probe_id.split(".", 1)[0]


def _counts(verdicts: Iterable[Verdict]) -> Counter[Outcome]:
    return Counter(v.outcome for v in verdicts)


def _defects(defects: Sequence[Defect]) -> str:
    """The defects, MUST first then by reach: what to fix, each with its reach, targets and first evidence (a link
    to the first cell that shows it)."""
    if not defects:
        return ""
    rows = "".join(
        f'<tr id="{e(d.id)}"><td><code>{e(d.id)}</code></td><td>{d.level.value}</td><td>{e(d.title)}</td>'
        f"<td>{d.reach}</td><td>{e(', '.join(d.targets))}</td>"
        f'<td><a href="#ev-{e(d.members[0][0])}/{e(d.members[0][1])}">{e(d.evidence)}</a></td></tr>'
        for d in defects
        if d.members
    )
    return (
        f'<section id="defects"><h2>Defects ({len(defects)} distinct)</h2><table><thead><tr><th>id</th>'
        "<th>level</th><th>defect</th><th>probes</th><th>targets</th><th>first evidence</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _summary(verdicts: Sequence[Verdict], run: RunInfo, generated: datetime, defects: Sequence[Defect]) -> str:
    counts = _counts(verdicts)
    items = "".join(f'<li class="o-{o.value}"><b>{counts[o]}</b>{WORD[o]}</li>' for o in Outcome)
    targets, probes = len({v.target for v in verdicts}), len({v.probe for v in verdicts})
    causes = _defects(defects)
    sdk = f" (sdk schemas: {run.sdk_schemas})" if run.sdk_schemas else ""
    meta = (
        f"{generated:%Y-%m-%d %H:%M} UTC · strictness <b>{e(run.strictness)}</b> · judged with openai "
        f"<b>{e(str(run.openai))}</b> and openai-agents <b>{e(str(run.openai_agents))}</b>{e(sdk)} · "
        f"{targets} targets · {probes} probes"
    )
    return (
        f'<p class="meta">{meta}</p><ul class="counts" id="counts">{items}'
        f'<li class="o-total"><b>{len(verdicts)}</b>total</li></ul>{causes}'
    )


def _filters(verdicts: Sequence[Verdict]) -> str:
    counts, areas = _counts(verdicts), Counter(_area(v.probe) for v in verdicts)
    outcome_boxes = "".join(
        f'<label class="o-{o.value}"><input type="checkbox" name="outcome" value="{o.value}" checked> {WORD[o]} '
        f"({counts[o]})</label>"
        for o in Outcome
    )
    area_boxes = "".join(
        f'<label><input type="checkbox" name="area" value="{e(a)}" checked> {e(a)} ({n})</label>'
        for a, n in sorted(areas.items())
    )
    return (
        f'<form id="filters" hidden><fieldset><legend>Outcome</legend>{outcome_boxes}'
        f'<button type="button" data-all="outcome">all</button></fieldset><fieldset><legend>Area</legend>{area_boxes}'
        f'<button type="button" data-all="area">all</button></fieldset><span id="shown"></span></form>'
    )


def _matrix(verdicts: Sequence[Verdict]) -> str:
    targets = list(dict.fromkeys(v.target for v in verdicts))
    cell = {(v.probe, v.target): v for v in verdicts}
    levels = {v.probe: v.level.value for v in verdicts}
    head = ""
    for target in targets:
        counts = _counts(v for v in verdicts if v.target == target)
        tally = " · ".join(f"{counts[o]} {WORD[o]}" for o in Outcome if counts[o])
        head += f"<th>{e(target)}<small>{e(tally)}</small></th>"
    bodies = []
    for area, probes in groupby(sorted(levels), key=_area):
        rows = [f'<tr class="area"><th colspan="{len(targets) + 1}">{e(area)}</th></tr>']
        for probe_id in probes:
            tds = []
            for target in targets:
                verdict = cell.get((probe_id, target))
                if verdict is None:
                    tds.append("<td></td>")
                    continue
                key = e(f"{target}/{probe_id}")
                tds.append(
                    f'<td class="o-{verdict.outcome.value}" data-outcome="{verdict.outcome.value}" data-key="{key}">'
                    f'<a href="#ev-{key}">{e(cell_text(verdict))}</a></td>'
                )
            rows.append(
                f'<tr data-probe="{e(probe_id)}"><th><code>{e(probe_id)}</code><span class="lvl">'
                f"{levels[probe_id]}</span></th>{''.join(tds)}</tr>"
            )
        bodies.append(f'<tbody data-area="{e(area)}">{"".join(rows)}</tbody>')
    return f'<table id="matrix"><thead><tr><th>probe</th>{head}</tr></thead>{"".join(bodies)}</table>'


def render_html(
    verdicts: Sequence[Verdict],
    *,
    run: RunInfo | None = None,
    generated: datetime | None = None,
    defects: Sequence[Defect] | None = None,
) -> str:
    """The page, led by the defects; `run` says what it was judged with (by default: the openai strictness and the
    installed SDKs)."""
    run = run or RunInfo.current()
    defects = group(verdicts) if defects is None else defects
    evidence = "".join(_evidence(v) for v in verdicts)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>gateway-conformance report</title><style>{CSS}</style></head><body>"
        f"<h1>gateway-conformance report</h1>{_summary(verdicts, run, generated or datetime.now(UTC), defects)}"
        f'<h2>Matrix</h2><p class="legend">{e(LEGEND)}</p>{_filters(verdicts)}{_matrix(verdicts)}'
        '<h2>Evidence</h2><p class="legend">Every cell\'s evidence, in run order.</p>'
        f'<div id="evidence">{evidence}</div><script>{JS}</script></body></html>'
    )


def write_html(
    verdicts: Sequence[Verdict], path: Path, *, run: RunInfo | None = None, defects: Sequence[Defect] | None = None
) -> Path:
    path.write_text(render_html(verdicts, run=run, defects=defects), encoding="utf-8")
    return path
