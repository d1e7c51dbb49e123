"""The pages of `docs/peers/` and the draft of `peers/<peer>/expected.yaml`: `python -m peers.pages` regenerates the
pages by replaying the committed cassettes (tests/peers/test_peer_pages.py checks that they match).

Every result other than pass gets one line of explanation (the hand-checked line of expected.yaml when its outcome
still matches, else the harness's own message) and its evidence: the wire finding or the gateway's answer from the
cassette, and what the emulated upstream received (the journal kept beside the cassette).
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from harness.model import Verdict
    from peers.run import Peer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "peers"
CASSETTES = ROOT / "cassettes" / "peers"
OUTCOMES = ("pass", "pass-rejected", "non-strict", "fail", "model-limited", "skip")
ICON = {
    "pass": "✅ pass",
    "pass-rejected": "🟦 rejected",
    "non-strict": "🟨 non-strict",
    "fail": "❌ fail",
    "model-limited": "🧠 model-limited",
    "skip": "⬜ skip",
}


# ------------------------------------------------------------------------------------------------- expectations


def load_expected(peer: Peer) -> dict[str, Any]:
    if not peer.expected_file.exists():
        return {}
    return yaml.safe_load(peer.expected_file.read_text()) or {}


def expected_outcome(entry: Any) -> str:
    return str(entry["outcome"] if isinstance(entry, dict) else entry)


def draft_expected(peer: Peer, report: dict[str, Any], *, recorded: bool = False) -> tuple[str, list[str]]:
    """expected.yaml as this run would have it (checked explanations kept where the outcome is unchanged; dated today
    if it recorded), and one line per difference from the committed one."""
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
    today = datetime.date.today()
    data = {
        "peer": peer.name,
        "version": peer.version,
        "recorded": old["recorded"] if old.get("recorded") and not (recorded or differences) else str(today),
        "targets": targets,
    }
    header = (
        f"# {peer.title} {peer.version}: every probe's outcome per target, as recorded in\n"
        f"# cassettes/peers/{peer.name}/.\n"
        "# For each fail (and non-strict), `defect:` is the gateway's defect in one line, read against the\n"
        "# cassette and the upstream journal (tests/peers/test_expected_notes.py checks it against them);\n"
        "# `false_positive:` instead marks a verdict that is the harness's or the emulator's fault\n"
        "# (docs/peers/README.md). tests/peers/test_peer_replay.py replays the cassettes of the\n"
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


def replay(peer: Peer) -> tuple[list[Verdict], dict[str, Any]]:
    """The peer's committed cassettes re-judged offline (the probes expected.yaml lists, per target), as verdicts and
    as the report.json body the pages are made from."""
    from harness.defects import assign, group
    from harness.model import Strictness
    from harness.probes import CATALOGUE
    from harness.reports.summary import result
    from harness.runner import run_all
    from harness.targets import load_targets_file

    listed = load_expected(peer).get("targets") or {}
    ids = {probe_id for probes in listed.values() for probe_id in probes}
    probes = [p for p in CATALOGUE if p.id in ids]
    targets = [t for t in load_targets_file(peer.targets_file) if t.name in listed]
    verdicts = run_all(probes, targets, cassette_dir=CASSETTES / peer.name, replay=True, strictness=Strictness.OPENAI)
    verdicts = [v for v in verdicts if v.probe in (listed.get(v.target) or {})]
    defects = group(verdicts)
    verdicts = assign(verdicts, defects)
    return verdicts, {"results": [result(v) for v in verdicts], "defects": [d.as_json() for d in defects]}


def counts(results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in results:
        out.setdefault(r["target"], dict.fromkeys(OUTCOMES, 0))[r["outcome"]] += 1
    return out


def false_positives(probes: dict[str, Any]) -> int:
    """How many of a target's expected verdicts are marked as the harness's or the emulator's fault."""
    return sum(1 for entry in probes.values() if isinstance(entry, dict) and entry.get("false_positive"))


def not_probed(peer: Peer) -> list[tuple[str, str, str]]:
    """(target, probe, why) for each catalogue probe a target does not run: excluded by its targets file (the reason
    from `Peer.not_probed`), or added to the catalogue after the recording (expected.yaml does not list it)."""
    from harness.probes import CATALOGUE
    from harness.targets import load_targets_file

    listed = load_expected(peer).get("targets") or {}
    out = []
    for target in load_targets_file(peer.targets_file):
        recorded = listed.get(target.name) or {}
        for probe in CATALOGUE:
            if probe.id in recorded:
                continue
            if target.excluded(probe):
                reasons = [why for prefix, why in peer.not_probed if probe.id.startswith(prefix)]
                out.append((target.name, probe.id, reasons[0] if reasons else "excluded by targets.yaml"))
            else:
                out.append((target.name, probe.id, "added to the catalogue after this recording (`tox -e peers`)"))
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


def _not_probed_lines(rows: list[tuple[str, str, str]]) -> list[str]:
    """One line per reason and set of targets: the probes, where, why."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for target, probe, why in rows:
        grouped.setdefault((why, probe), []).append(target)
    by_why: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (why, probe), targets in grouped.items():
        by_why.setdefault((why, tuple(targets)), []).append(probe)
    lines = []
    for (why, where), probes in by_why.items():
        names = ", ".join(f"`{p}`" for p in probes)
        lines.append(f"- {names} on {', '.join(where)}: {why}")
    return lines


def render_page(peer: Peer, report: dict[str, Any]) -> str:
    """docs/peers/<peer>.md from a replayed report and the committed expected.yaml (nothing else: no clock)."""
    from harness.targets import load_targets_file

    results = report["results"]
    expected = load_expected(peer)
    exp_targets = expected.get("targets") or {}
    targets = list(dict.fromkeys(r["target"] for r in results))
    probes = list(dict.fromkeys(r["probe"] for r in results))
    by = {(r["target"], r["probe"]): r for r in results}
    tally = counts(results)
    lines = [
        f"# {peer.title} {peer.version}",
        "",
        "Generated by `python -m peers.pages` from the committed cassettes; do not edit by hand.",
        "",
        f"Recorded {expected.get('recorded', '?')} with `tox -e peers` (`python -m peers.run --record --peer"
        f" {peer.name}`), fronted by the",
        *(
            [
                "a real language model (SmolLM2-135M-Instruct, `real_model/`), not the emulated upstreams: what is",
                "judged is the gateway; `model-limited` marks a check the model failed where the request journal",
                f"proves the gateway passed the request on intact. Routes: {peer.routes}. Install, launch and "
                "configuration:",
            ]
            if peer.upstream == "real"
            else [
                "emulated upstreams (not the real providers): what is judged is the gateway, and the upstream's "
                "request",
                f"journal shows what it passed on. Routes: {peer.routes}. Install, launch and configuration:",
            ]
        ),
        f"[`peers/{peer.name}/`](../../peers/{peer.name}/); targets:",
        f"[`targets.yaml`](../../peers/{peer.name}/targets.yaml);",
        f"the hand-checked verdicts: [`expected.yaml`](../../peers/{peer.name}/expected.yaml); cassettes and journals:",
        f"[`cassettes/peers/{peer.name}/`](../../cassettes/peers/{peer.name}/). Strictness: `openai` (the default).",
        "",
        "`false positive`: verdicts (counted among the fails) that expected.yaml marks as the harness's or the",
        "emulator's fault, not the gateway's.",
        "",
        "| target | model | profile | pass | rejected | non-strict | fail | false positive | model-limited | skip |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    meta = {t.name: t for t in load_targets_file(peer.targets_file)}
    for t in targets:
        c = tally[t]
        m = meta.get(t)
        lines.append(
            f"| {t} | `{m.model if m else '?'}` | {m.profile.value if m else '?'} | {c['pass']} |"
            f" {c['pass-rejected']} | {c['non-strict']} | {c['fail']} | {false_positives(exp_targets.get(t) or {})} |"
            f" {c['model-limited']} | {c['skip']} |"
        )
    missing = not_probed(peer)
    lines += ["", "## Not probed, and why", ""]
    lines += _not_probed_lines(missing) if missing else ["Every probe of the catalogue ran on every route."]
    defects = report.get("defects") or []
    if defects:
        lines += ["", f"## Defects ({len(defects)} distinct, as the harness groups them; MUST first, by reach)", ""]
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
    return "\n".join(lines).rstrip() + "\n"


def render_unavailable(peer: Peer) -> str:
    """The page of a peer that cannot run here: what was tried, and the exact error."""
    return (
        f"# {peer.title} {peer.version}\n\n"
        "Generated by `python -m peers.pages`; do not edit by hand.\n\n"
        f"Not run: {peer.unavailable}.\n\n"
        f"Routes it would be probed on: {peer.routes}. Its row in [the summary](summary.md) stays, so that the gap "
        "shows; `peers/run.py` names it, and `tox -e peers` says why it skips it.\n"
    )


def render_summary(peers: Sequence[Peer]) -> str:
    """docs/peers/summary.md: every peer and route, from the committed expectations; a peer that cannot run here
    keeps its row, with the reason."""
    rows = [
        "| peer | version | route (target) | pass | rejected | non-strict | fail | false positive | model-limited "
        "| skip |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for peer in peers:
        listed = load_expected(peer).get("targets") or {}
        if peer.unavailable:
            rows.append(
                f"| [{peer.title}]({peer.name}.md) | {peer.version} | not run here (see its page) | | | | | | | |"
            )
        for target, probes in listed.items():
            c = Counter(expected_outcome(e) for e in probes.values())
            rows.append(
                f"| [{peer.title}]({peer.name}.md) | {peer.version} | {target} | {c['pass']} | {c['pass-rejected']} |"
                f" {c['non-strict']} | {c['fail']} | {false_positives(probes)} | {c['model-limited']} | {c['skip']} |"
            )
    return "\n".join(rows) + "\n"


def render_all(peers: Sequence[Peer]) -> dict[Path, str]:
    """Every page of docs/peers/ that is generated (README.md is written by hand), by replaying each peer."""
    pages = {
        DOCS / f"{peer.name}.md": render_unavailable(peer) if peer.unavailable else render_page(peer, replay(peer)[1])
        for peer in peers
    }
    pages[DOCS / "summary.md"] = render_summary(peers)
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from peers.run import PEERS

    parser = argparse.ArgumentParser(prog="python -m peers.pages", description="regenerate docs/peers/ by replay")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page differs")
    args = parser.parse_args(argv)
    stale = []
    for path, text in render_all(list(PEERS.values())).items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"{'stale' if args.check else 'written'}: {path.relative_to(ROOT)}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
