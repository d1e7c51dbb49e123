"""`gateway-conformance probe | list | diff | summary | upstreams | sdk-schemas`."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from harness import expectations
from harness.defects import assign, group
from harness.model import RECORD_MODES, Expect, Probe, Profile, Strictness, Verdict
from harness.reports.console import Progress, print_expectations, print_header, print_summary
from harness.reports.summary import EXIT_CODES, EXIT_FAIL, EXIT_NOTHING, EXIT_OK, EXIT_USAGE, exit_code, result
from harness.run_info import RunInfo
from harness.targets import Target, load_targets_file

REPLAY_URL = "http://replay.invalid/v1"
DEFAULT_PROFILE = Profile.NATIVE
EPILOG = "exit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway-conformance",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    probe = sub.add_parser(
        "probe",
        help="probe a gateway (with no target: the local reference gateway)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = probe.add_argument_group("target")
    target.add_argument("--base-url", help="the gateway's /v1 URL")
    target.add_argument("--api-key", help="the gateway key")
    target.add_argument("--api-key-env", help="an environment variable holding the gateway key")
    target.add_argument("--model", help="the model to probe (e.g. anthropic/claude-sonnet-4-20250514)")
    target.add_argument(
        "--expect",
        choices=[p.value for p in Profile],
        help=f"how the gateway routes this model (default: {DEFAULT_PROFILE.value}, and the run's header says it "
        "was assumed)",
    )
    target.add_argument("--target-name", help="a name for the target (cassettes/<name>/...)")
    target.add_argument(
        "--feature",
        action="append",
        default=[],
        metavar="NAME=supported|rejected|either",
        help="override the expectation of a feature (repeatable)",
    )
    target.add_argument("--header", action="append", default=[], metavar="K:V", help="extra header (repeatable)")
    target.add_argument("--auth-header", help="send the key in this header instead of Authorization: Bearer")
    target.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    target.add_argument(
        "--upstream-journal",
        metavar="URL",
        help="root URL of the emulated upstreams the gateway fronts: their request journal is kept as evidence",
    )
    target.add_argument("--targets", help="a targets YAML file, or a preset name (reference, gomodel)")

    run = probe.add_argument_group("run")
    run.add_argument("--probe", action="append", default=[], help="probe ID, dotted prefix or glob (repeatable)")
    run.add_argument("--exclude", action="append", default=[], help="probe ID, prefix or glob to skip")
    run.add_argument("--strictness", choices=[s.value for s in Strictness], default="openai")
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=0,
        help="targets probed in parallel worker processes (default 0: one per target, at most 8; 1: in this process)",
    )
    run.add_argument("--quiet", action="store_true", help="print failures only")

    record = probe.add_argument_group("cassettes")
    record.add_argument("--cassette-dir", type=Path, help="default: <report-dir>/cassettes")
    record.add_argument("--record-mode", choices=RECORD_MODES, default="all")
    record.add_argument("--record", action="store_true", help="re-record into --cassette-dir (record mode all)")
    record.add_argument("--replay", action="store_true", help="re-judge from cassettes, the network blocked")
    record.add_argument(
        "--allow-missing",
        action="store_true",
        help="with --replay: a probe without a cassette is skipped (default: it fails)",
    )

    out = probe.add_argument_group("reports")
    out.add_argument("--report-dir", type=Path, default=Path("reports"))
    out.add_argument("--matrix-out", type=Path, help="also write the Markdown matrix here")

    known = probe.add_argument_group("expectations (harness/expectations.py; the format of peers/*/expected.yaml)")
    known.add_argument(
        "--expectations",
        type=Path,
        metavar="FILE",
        help="the known outcome of each target x probe: exit 0 when every verdict matches, 1 on a regression",
    )
    known.add_argument(
        "--strict-expectations",
        action="store_true",
        help="with --expectations: an unexpected pass, or an expectation not run, fails too",
    )
    known.add_argument(
        "--write-expectations",
        type=Path,
        metavar="FILE",
        help="write this run's outcomes as expectations (notes of an existing FILE are kept where unchanged)",
    )

    compared = sub.add_parser(
        "diff",
        help="compare two runs (report.json files or report directories): regressions, fixes, defects; "
        "exit 1 on a regression",
    )
    compared.add_argument("base", type=Path, metavar="BASE")
    compared.add_argument("new", type=Path, metavar="NEW")
    compared.add_argument("--format", choices=["markdown", "json"], default="markdown")
    compared.add_argument("--out", type=Path, help="write here instead of printing")

    summarised = sub.add_parser(
        "summary", help="a run's report directory as Markdown (for $GITHUB_STEP_SUMMARY): counts, regressions, defects"
    )
    summarised.add_argument("report_dir", type=Path, metavar="REPORT_DIR")
    summarised.add_argument("--out", type=Path, help='append here (e.g. "$GITHUB_STEP_SUMMARY") instead of printing')

    listing = sub.add_parser("list", help="list every probe")
    listing.add_argument("--format", choices=["text", "json", "markdown"], default="text")

    sub.add_parser(
        "upstreams", help="serve the emulated upstreams (`--real`: a real model, real_model/)", add_help=False
    )

    sdk = sub.add_parser(
        "sdk-schemas",
        help="where the `sdk` strictness's schemas come from for the installed openai; --diff: what changed",
    )
    sdk.add_argument(
        "--diff",
        nargs="?",
        const="",
        metavar="BASE",
        help="compare BASE (a version or folder; default: the committed snapshot) with --new",
    )
    sdk.add_argument("--new", metavar="NEW", help="a version or folder (default: the installed openai's set)")
    return parser


def _features(pairs: Sequence[str]) -> dict[str, Expect]:
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        out[name] = Expect(value)
    return out


def _targets(args: argparse.Namespace) -> list[Target]:
    key = args.api_key or (os.environ.get(args.api_key_env, "") if args.api_key_env else None)
    if args.targets:
        targets = load_targets_file(
            args.targets,
            base_url=args.base_url,
            api_key=key,
            default_base_url=REPLAY_URL if args.replay else None,
        )
    elif args.base_url or (args.replay and args.model):
        if not args.model:
            raise ValueError("--model is required with --base-url")
        targets = [
            Target(
                name=args.target_name or args.model.replace("/", "-"),
                base_url=(args.base_url or REPLAY_URL).rstrip("/"),
                model=args.model,
                profile=Profile(args.expect or DEFAULT_PROFILE),
                profile_assumed=args.expect is None,
                api_key=key,
                headers=dict(h.split(":", 1) for h in args.header),
                auth_header=args.auth_header,
                timeout=args.timeout,
            )
        ]
    else:
        return []
    overrides = _features(args.feature)
    for t in targets:
        t.features.update(overrides)
        t.upstream_journal = args.upstream_journal or t.upstream_journal
    return targets


# The catalogue, the runner and the reports import the SDKs (about 3 s); `probe` imports them in a thread while the
# reference gateway and its upstreams start in their own processes.
HEAVY = ("harness.probes", "harness.runner", "harness.reports")


def _import_heavy() -> None:
    for name in HEAVY:
        importlib.import_module(name)


def probe(args: argparse.Namespace) -> int:
    from harness.local import MASTER_KEY, reference_stack

    loading = threading.Thread(target=_import_heavy, name="import-harness", daemon=True)
    loading.start()
    if args.allow_missing and not args.replay:
        print("gateway-conformance: --allow-missing only applies with --replay", file=sys.stderr)
        return EXIT_USAGE
    if args.strict_expectations and not args.expectations:
        print("gateway-conformance: --strict-expectations only applies with --expectations", file=sys.stderr)
        return EXIT_USAGE
    try:
        targets = _targets(args)
        known = expectations.load(args.expectations) if args.expectations else None
    except (OSError, ValueError) as exc:
        print(f"gateway-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with ExitStack() as stack:
        local = None
        if not targets and not args.replay:
            # No target given: the local reference gateway, every route of it.
            os.environ.setdefault("GATEWAY_MASTER_KEY", MASTER_KEY)
            local = stack.enter_context(reference_stack(replicas=True))
        loading.join()
        from harness.probes import select
        from harness.reports import write_all
        from harness.runner import run_all

        probes = select(args.probe, args.exclude)
        if not probes:
            print("gateway-conformance: no probe matches", file=sys.stderr)
            return EXIT_USAGE
        from harness.probes import CATALOGUE
        from harness.targets import unknown_features

        problems = unknown_features(targets, CATALOGUE)
        for problem in problems:
            print(f"gateway-conformance: {problem}", file=sys.stderr)
        if problems:
            return EXIT_USAGE
        if not targets:
            url = local.gateway if local else REPLAY_URL
            targets = load_targets_file("reference", base_url=url)
            for target in targets:
                target.upstream_journal = local.upstreams if local else None
            if local:
                local.place(targets)
            print(f"probing the reference gateway at {url} ({len(targets)} routes)", flush=True)
        run_info = RunInfo.current(Strictness(args.strictness))
        print_header(targets, run=run_info)
        cassette_dir = args.cassette_dir or args.report_dir / "cassettes"
        progress = Progress(
            sum(not t.excluded(p) for t in targets for p in probes),
            quiet=args.quiet,
            targets=[t.name for t in targets],
            probes=[p.id for p in probes],
        )
        # What is loaded by now (the SDKs, their pydantic models, the schemas) lives as long as the run: kept out
        # of the collector's rounds, it no longer makes every collection walk it. A replay ran 8 % faster.
        gc.freeze()
        try:
            verdicts = run_all(
                probes,
                targets,
                jobs=args.jobs,
                on_result=progress,
                cassette_dir=cassette_dir,
                record_mode="all" if args.record else args.record_mode,
                replay=args.replay,
                allow_missing=args.allow_missing,
                strictness=Strictness(args.strictness),
            )
        finally:
            gc.unfreeze()  # a caller in the same process (a test) gets its collector back as it was
    defects = group(verdicts)
    verdicts = assign(verdicts, defects)
    paths = write_all(verdicts, args.report_dir, matrix_out=args.matrix_out, run=run_info, defects=defects)
    print_summary(verdicts, defects=defects)
    code = exit_code(verdicts)
    if known is not None or args.write_expectations:
        code = _expectations(args, known, verdicts, args.report_dir / "report.json", code, _scope(targets, probes))
    print("reports: " + ", ".join(str(p) for p in paths))
    return code


def _scope(targets: Sequence[Target], probes: Sequence[Probe]) -> Callable[[str, str], bool]:
    """Which expectations this run should have answered: its targets' selected probes, and any probe no longer in
    the catalogue (an expectation that nothing can answer any more)."""
    from harness.probes import CATALOGUE

    names, selected, known = {t.name for t in targets}, {p.id for p in probes}, {p.id for p in CATALOGUE}
    return lambda target, probe: target in names and (probe in selected or probe not in known)


def _expectations(
    args: argparse.Namespace,
    known: expectations.Expectations | None,
    verdicts: Sequence[Verdict],
    report: Path,
    code: int,
    scope: Callable[[str, str], bool],
) -> int:
    """Compare the run with its expectations (printed, and kept in report.json as `expectations`), write them if
    asked; the exit code: 1 if the comparison failed, else the run's own unless a fail was expected."""
    results = [result(v) for v in verdicts]
    if args.write_expectations:
        previous = expectations.load(args.write_expectations) if args.write_expectations.exists() else known
        written = expectations.from_report({"results": results}, previous).write(args.write_expectations)
        print(f"expectations written: {written}")
    if known is None:
        return code
    compared = expectations.compare(known, results, strict=args.strict_expectations, in_scope=scope)
    print_expectations(compared)
    expectations.attach(report, compared)
    if not compared.ok:
        return EXIT_FAIL
    return EXIT_NOTHING if code == EXIT_NOTHING else EXIT_OK


def diff_command(args: argparse.Namespace) -> int:
    from harness import diff

    try:
        compared = diff.diff(diff.load(args.base), diff.load(args.new))
    except (OSError, ValueError) as exc:
        print(f"gateway-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE
    text = diff.render(compared, args.format)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    else:
        print(text, end="")
    return compared.exit_code


def summary_command(args: argparse.Namespace) -> int:
    from harness import step_summary

    try:
        text = step_summary.render(step_summary.load(args.report_dir))
    except (OSError, ValueError) as exc:
        print(f"gateway-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.out:
        with args.out.open("a") as out:
            out.write(text)
    else:
        print(text, end="")
    return EXIT_OK


def list_probes(fmt: str) -> int:
    from harness.model_limits import model_dependent
    from harness.probes import CATALOGUE

    if fmt == "json":
        rows = [
            {
                "id": p.id,
                "level": p.level.value,
                "feature": p.feature,
                "requirement": p.requirement,
                "expect": {k.value: v.value for k, v in p.expect.items()},
                "needs_emulator": p.needs_emulator,
                "model_dependent": model_dependent(p),
            }
            for p in CATALOGUE
        ]
        print(json.dumps(rows, indent=2))
    elif fmt == "markdown":
        print("| probe | level | native | chat-translated | requirement |\n|---|---|---|---|---|")
        for p in CATALOGUE:
            native, chat = p.expect[Profile.NATIVE].value, p.expect[Profile.CHAT_TRANSLATED].value
            print(f"| `{p.id}` | {p.level.value} | {native} | {chat} | {p.requirement} |")
    else:
        width = max(len(p.id) for p in CATALOGUE)
        for p in CATALOGUE:
            native, chat = p.expect[Profile.NATIVE].value, p.expect[Profile.CHAT_TRANSLATED].value
            tag = "  [emulator]" if p.needs_emulator else "  [model]" if model_dependent(p) else ""
            print(f"{p.id:<{width}} {p.level.value:<7} native={native:<10} chat={chat:<10}{tag}\n    {p.requirement}")
        emulated = sum(p.needs_emulator for p in CATALOGUE)
        dependent = sum(model_dependent(p) and not p.needs_emulator for p in CATALOGUE)
        print(
            f"\n{len(CATALOGUE)} probes; {emulated} marked [emulator] need the emulated upstreams "
            f"(real_model: skipped); {dependent} marked [model] need the model to follow the prompt "
            "(real_model: model-limited where the journal proves the gateway intact); the others hold with any model"
        )
    return 0


def sdk_schemas_command(args: argparse.Namespace) -> int:
    from harness import sdk_diff, sdk_schemas

    try:
        if args.diff is None:
            where = sdk_schemas.folder()
            print(f"sdk strictness: {sdk_schemas.source()}")
            notes = sdk_diff.load(where).index.get("notes", [])
            print("".join(f"note: {n}\n" for n in notes), end="")
            return 0
        base = sdk_diff.load(sdk_diff.locate(args.diff or sdk_schemas.snapshot_version()))
        new = sdk_diff.load(sdk_diff.locate(args.new))
    except (OSError, ValueError) as exc:
        print(f"gateway-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(sdk_diff.render(base, new))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # The openai SDK's unions warn when dumping items of a type they do not know; harmless for the harness.
    warnings.filterwarnings("ignore", message="Pydantic serializer warnings")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["upstreams"] and "--real" in argv:
        from real_model.__main__ import main as real_upstream  # a real model instead of the emulated ones

        return real_upstream([a for a in argv[1:] if a != "--real"])
    if argv[:1] == ["upstreams"]:
        from emulators.__main__ import main as upstreams

        return upstreams(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return list_probes(args.format)
        if args.command == "sdk-schemas":
            return sdk_schemas_command(args)
        if args.command == "diff":
            return diff_command(args)
        if args.command == "summary":
            return summary_command(args)
        return probe(args)
    except BrokenPipeError:  # `gateway-conformance list | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
