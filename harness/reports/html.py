"""A self-contained HTML report: the matrix, and for each failure its requirement and wire log."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from harness.model import Outcome, Verdict
from harness.reports.causes import common_causes
from harness.reports.matrix import cell_text
from harness.wire import load_exchanges

STYLE = """body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;
padding:4px 8px;font-size:13px}pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px}
.fail{background:#fdd}.non-strict{background:#ffd}"""


def _wire_log(cassette: str) -> str:
    parts = []
    for ex in load_exchanges(Path(cassette)) if cassette else []:
        request = ex.request_body or ""
        parts.append(
            f"{ex.method} {ex.path}{'?' + ex.query if ex.query else ''}\n{request[:2000]}\n\n"
            f"-> {ex.status} {ex.content_type}\n{ex.body[:4000]}"
        )
    return "\n\n" + ("\n\n" + "-" * 60 + "\n\n").join(parts) if parts else " (no exchanges recorded)"


def render_html(verdicts: Sequence[Verdict]) -> str:
    targets = list(dict.fromkeys(v.target for v in verdicts))
    cell = {(v.probe, v.target): v for v in verdicts}
    probes = sorted({v.probe for v in verdicts})
    e = html.escape
    rows = []
    for probe_id in probes:
        tds = []
        for target in targets:
            verdict = cell.get((probe_id, target))
            if verdict is None:
                tds.append("<td></td>")
                continue
            anchor = f"#{e(target)}--{e(probe_id)}" if verdict.outcome in (Outcome.FAIL, Outcome.NON_STRICT) else ""
            label = e(cell_text(verdict))
            body = f'<a href="{anchor}">{label}</a>' if anchor else label
            tds.append(f'<td class="{verdict.outcome.value}">{body}</td>')
        rows.append(f"<tr><th><code>{e(probe_id)}</code></th>{''.join(tds)}</tr>")
    details = []
    for verdict in verdicts:
        if verdict.outcome not in (Outcome.FAIL, Outcome.NON_STRICT):
            continue
        findings = "".join(
            f"<li>{e(f.level.value)} {e(f.rule)}: {e(f.message)}"
            + (f" <b>at</b> <code>{e(f.where)}</code>" if f.where else "")
            + (f" <b>expected</b> {e(f.expected)}" if f.expected else "")
            + (f" <b>received</b> {e(f.received)}" if f.received else "")
            + "</li>"
            for f in verdict.findings
        )
        details.append(
            f'<section id="{e(verdict.target)}--{e(verdict.probe)}"><h3>{e(verdict.target)} · '
            f"<code>{e(verdict.probe)}</code> · {e(verdict.outcome.value)}</h3>"
            f"<p><b>Requirement:</b> {e(verdict.requirement)}</p>"
            f"<p><b>Behaviour:</b> {e(verdict.behaviour.value)} · <b>wire deviations:</b> {verdict.deviations}</p>"
            f"<p><b>Message:</b> {e(verdict.message)}</p>"
            f"<p><b>Expected:</b> {e(verdict.expected)}<br><b>Received:</b> {e(verdict.received)}<br>"
            f"<b>Where:</b> {e(verdict.where)}<br><b>Cassette:</b> {e(verdict.cassette)}</p><ul>{findings}</ul>"
            f"<details><summary>wire log</summary><pre>{e(_wire_log(verdict.cassette))}</pre></details></section>"
        )
    header = "".join(f"<th>{e(t)}</th>" for t in targets)
    causes = "".join(f"<li><b>{e(c.target)}</b>: {e(c.summary)}</li>" for c in common_causes(verdicts))
    causes = f'<section id="common-causes"><h2>Common causes</h2><ul>{causes}</ul></section>' if causes else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>gateway-conformance report</title>"
        f"<style>{STYLE}</style></head><body><h1>gateway-conformance report</h1>{causes}<table><tr><th>probe</th>"
        f"{header}</tr>{''.join(rows)}</table><h2>Failures</h2>{''.join(details) or '<p>none</p>'}</body></html>"
    )


def write_html(verdicts: Sequence[Verdict], path: Path) -> Path:
    path.write_text(render_html(verdicts))
    return path
