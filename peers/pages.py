"""The pages of `docs/peers/` and the draft of `peers/<peer>/expected.yaml`, from a run's report.json.

Every result other than pass gets one line of explanation (the hand-checked line of expected.yaml when its outcome
still matches, else the harness's own message) and its evidence: the wire finding or the gateway's answer from the
cassette, and what the emulated upstream received (the journal kept beside the cassette).
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from peers.run import Peer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "peers"
OUTCOMES = ("pass", "pass-rejected", "non-strict", "fail", "skip")
ICON = {
    "pass": "✅ pass",
    "pass-rejected": "🟦 rejected",
    "non-strict": "🟨 non-strict",
    "fail": "❌ fail",
    "skip": "⬜ skip",
}


# ------------------------------------------------------------------------------------------------- expectations


def load_expected(peer: Peer) -> dict[str, Any]:
    if not peer.expected_file.exists():
        return {}
    return yaml.safe_load(peer.expected_file.read_text()) or {}


def expected_outcome(entry: Any) -> str:
    return str(entry["outcome"] if isinstance(entry, dict) else entry)


def draft_expected(peer: Peer, report: dict[str, Any]) -> tuple[str, list[str]]:
    """expected.yaml as this run would have it (checked explanations kept where the outcome is unchanged), and
    one line per difference from the committed one."""
    old = load_expected(peer)
    old_targets = old.get("targets") or {}
    targets: dict[str, dict[str, Any]] = {}
    differences = []
    for result in report["results"]:
        target, probe, outcome = result["target"], result["probe"], result["outcome"]
        previous = (old_targets.get(target) or {}).get(probe)
        if previous is not None and expected_outcome(previous) != outcome:
            differences.append(f"{target} {probe}: expected {expected_outcome(previous)}, got {outcome}")
        if previous is not None and expected_outcome(previous) == outcome:
            entry = previous
        elif outcome in ("fail", "non-strict"):
            entry = {"outcome": outcome, "defect": f"TODO check the evidence: {result['message']}"}
        else:
            entry = outcome
        targets.setdefault(target, {})[probe] = entry
    data = {
        "peer": peer.name,
        "version": peer.version,
        "recorded": old.get("recorded") if not differences and old.get("recorded") else str(datetime.date.today()),
        "targets": targets,
    }
    header = (
        f"# {peer.title} {peer.version}: every probe's outcome per target, as recorded in\n"
        f"# cassettes/peers/{peer.name}/.\n"
        "# For each fail (and non-strict), `defect:` is the gateway's defect in one line, checked by hand against the\n"
        "# cassette and the upstream journal; `false_positive:` instead marks a verdict that is the harness's or the\n"
        "# emulator's fault (docs/peers/README.md). tests/peers/test_peer_replay.py replays the cassettes of the\n"
        "# probes listed here and fails on any verdict that differs.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), differences


# ------------------------------------------------------------------------------------------------------ evidence


def _short(text: Any, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _cassette(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(), Loader=loader) or {}
    return list(data.get("interactions") or [])


def _body(part: dict[str, Any]) -> str:
    body = part.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return str(body or "")


def gateway_excerpt(path: Path, exchange: int | None = None) -> str:
    """The exchange a finding names, else the first answer that is not a 2xx, else the last one."""
    interactions = _cassette(path)
    if not interactions:
        return ""
    if exchange is not None and 0 <= exchange < len(interactions):
        chosen = interactions[exchange]
    else:
        failed = [i for i in interactions if int(i["response"]["status"]["code"]) >= 300]
        chosen = failed[0] if failed else interactions[-1]
    request, response = chosen["request"], chosen["response"]
    uri = str(request["uri"]).split("/v1", 1)[-1]
    return f"`{request['method']} /v1{uri}` → {response['status']['code']} `{_short(_body(response), 140)}`"


def _journal(path: Path) -> list[dict[str, Any]]:
    journal = path.with_name(path.stem + ".journal.json")
    if not journal.exists():
        return []
    data = json.loads(journal.read_text())
    return list(data.get("data") or [])


def _what_was_sent(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    facts = []
    for key in ("messages", "input", "contents"):
        if isinstance(body.get(key), list):
            items = body[key]
            last = items[-1] if items else {}
            facts.append(f"{len(items)} {key}, last {_short(json.dumps(last), 90)}")
    if body.get("tools"):
        facts.append("tools " + ",".join(str(t.get("type") or t.get("name") or "?") for t in body["tools"]))
    for key in ("previous_response_id", "conversation", "text", "response_format", "system", "instructions"):
        if key in body:
            facts.append(f"{key}={_short(json.dumps(body[key]), 60)}")
    return "; ".join(facts)


def journal_excerpt(path: Path) -> str:
    entries = _journal(path)
    if not entries:
        return "upstream: no request reached it" if path.with_name(path.stem + ".journal.json").exists() else ""
    shown = []
    for entry in entries[-2:]:
        sent = _what_was_sent(entry.get("body"))
        shown.append(
            f"`{entry.get('method')} {entry.get('path')}` {entry.get('status')}" + (f" ({sent})" if sent else "")
        )
    more = f"{len(entries)} requests, the last: " if len(entries) > 2 else ""
    return "upstream: " + more + " · ".join(shown)


def evidence(result: dict[str, Any]) -> str:
    path = Path(result["cassette"])
    if not path.is_absolute():
        path = ROOT / path
    parts = []
    must = [f for f in result.get("findings") or [] if f.get("level") == "MUST" and not f.get("elided")]
    if result["message"].startswith("wire") and must:
        first = must[0]
        parts.append(f"wire: {first['rule']} at `{first['where']}`: {_short(first['received'], 100)}")
        excerpt = gateway_excerpt(path, int(first.get("exchange", 0)))
    else:
        excerpt = gateway_excerpt(path)
    if excerpt:
        parts.append("gateway: " + excerpt)
    journal = journal_excerpt(path)
    if journal:
        parts.append(journal)
    return "<br>".join(parts)


# --------------------------------------------------------------------------------------------------------- pages


def counts(results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in results:
        out.setdefault(r["target"], dict.fromkeys(OUTCOMES, 0))[r["outcome"]] += 1
    return out


def _explanation(result: dict[str, Any], entry: Any) -> str:
    if isinstance(entry, dict) and expected_outcome(entry) == result["outcome"]:
        if entry.get("false_positive"):
            return "**false positive** (harness/emulator): " + str(entry["false_positive"])
        if entry.get("defect") and not str(entry["defect"]).startswith("TODO"):
            return str(entry["defect"])
        if entry.get("note"):
            return str(entry["note"])
    if result["outcome"] == "pass-rejected" and result.get("rejection"):
        rejection = result["rejection"]
        return f"rejected cleanly: {rejection.get('status')} {_short(rejection.get('message'), 120)}"
    return _short(result["message"] or result.get("label", ""), 200)


def write_page(peer: Peer, report: dict[str, Any], *, recorded: bool) -> Path:
    results = report["results"]
    expected = load_expected(peer)
    exp_targets = expected.get("targets") or {}
    date = str(datetime.date.today()) if recorded else str(expected.get("recorded", "?"))
    targets = list(dict.fromkeys(r["target"] for r in results))
    probes = list(dict.fromkeys(r["probe"] for r in results))
    by = {(r["target"], r["probe"]): r for r in results}
    tally = counts(results)
    lines = [
        f"# {peer.title} {peer.version}",
        "",
        f"Probed {date} with `tox -e peers` (`python -m peers.run --record --peer {peer.name}`), fronted by the",
        "emulated upstreams (not the real providers): what is judged is the gateway, and the upstream's request",
        f"journal shows what it passed on. Routes: {peer.routes}. Install, launch and configuration:",
        f"[`peers/{peer.name}/`](../../peers/{peer.name}/); targets:",
        f"[`targets.yaml`](../../peers/{peer.name}/targets.yaml);",
        f"the hand-checked verdicts: [`expected.yaml`](../../peers/{peer.name}/expected.yaml); cassettes and journals:",
        f"[`cassettes/peers/{peer.name}/`](../../cassettes/peers/{peer.name}/). Strictness: `openai` (the default).",
        "",
        "| target | model | profile | pass | rejected | non-strict | fail | skip |",
        "|---|---|---|---|---|---|---|---|",
    ]
    from harness.targets import load_targets_file

    meta = {t.name: t for t in load_targets_file(peer.targets_file)}
    for t in targets:
        c = tally[t]
        m = meta.get(t)
        lines.append(
            f"| {t} | `{m.model if m else '?'}` | {m.profile.value if m else '?'} | {c['pass']} |"
            f" {c['pass-rejected']} | {c['non-strict']} | {c['fail']} | {c['skip']} |"
        )
    defects = report.get("defects") or []
    if defects:
        lines += ["", f"Defects ({len(defects)} distinct, as the harness groups them; MUST first, by reach):", ""]
        for defect in defects:
            where = ", ".join(defect.get("targets", []))
            lines.append(f"- `{defect['id']}` {defect['level']} {_short(defect['title'], 160)} ({where})")
    lines += ["", "## Matrix", "", "A cell: the outcome, then the behaviour and the wire deviations.", ""]
    lines.append("| probe | " + " | ".join(targets) + " |")
    lines.append("|---|" + "---|" * len(targets))
    for p in probes:
        cells = []
        for t in targets:
            r = by.get((t, p))
            cells.append(f"{ICON[r['outcome']]} ({r['label']})" if r else "—")
        lines.append(f"| `{p}` | " + " | ".join(cells) + " |")
    lines += ["", "## Every result other than pass", ""]
    for t in targets:
        rows = [by[(t, p)] for p in probes if (t, p) in by and by[(t, p)]["outcome"] != "pass"]
        if not rows:
            continue
        lines += [f"### {t}", "", "| probe | outcome | why | evidence |", "|---|---|---|---|"]
        for r in rows:
            entry = (exp_targets.get(t) or {}).get(r["probe"])
            why = _explanation(r, entry).replace("|", "\\|")
            ev = evidence(r).replace("|", "\\|")
            lines.append(f"| `{r['probe']}` | {ICON[r['outcome']]} | {why} | {ev} |")
        lines.append("")
    DOCS.mkdir(parents=True, exist_ok=True)
    page = DOCS / f"{peer.name}.md"
    page.write_text("\n".join(lines).rstrip() + "\n")
    return page


def write_index(peers: list[Peer]) -> None:
    """The summary table of every peer and route, from the committed expectations (for the README)."""
    rows = [
        "| peer | version | route (target) | pass | rejected | non-strict | fail | skip |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for peer in peers:
        expected = load_expected(peer)
        for target, probes in (expected.get("targets") or {}).items():
            c = Counter(expected_outcome(e) for e in probes.values())
            rows.append(
                f"| [{peer.title}]({peer.name}.md) | {peer.version} | {target} | {c['pass']} | {c['pass-rejected']} |"
                f" {c['non-strict']} | {c['fail']} | {c['skip']} |"
            )
    (DOCS / "summary.md").write_text("\n".join(rows) + "\n")
