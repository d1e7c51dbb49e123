"""The `sdk` level follows the installed SDK: the committed snapshot for the locked version, a set derived and
cached for any other; what a version lacks is noted, never an error; and the changes between two versions are one
command away (harness/sdk_schemas.py, harness/sdk_diff.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from harness import sdk_diff, sdk_schemas
from harness.cli import main
from harness.judge import schemas
from harness.model import Strictness


@pytest.fixture
def another_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The installed openai seen as a version the snapshot is not for; derived sets go to a fresh cache."""
    monkeypatch.setenv(sdk_schemas.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(sdk_schemas, "installed_versions", lambda: {"openai": "9.9.9", "openai-agents": "0.0.1"})
    for cached in (sdk_schemas.folder, schemas.index, schemas.document, schemas.validator, schemas._routes):
        cached.cache_clear()
    yield tmp_path / "cache" / "sdk-schemas" / "openai-9.9.9"
    for cached in (sdk_schemas.folder, schemas.index, schemas.document, schemas.validator, schemas._routes):
        cached.cache_clear()


def test_the_committed_snapshot_is_what_the_locked_openai_gives() -> None:
    """The lock pins openai (tests/test_lock.py), so this holds in every tox run; `tox -e lock` rewrites both."""
    assert sdk_schemas.snapshot_version() == openai.__version__
    assert sdk_schemas.check() == []
    assert sdk_schemas.folder() == sdk_schemas.SNAPSHOT


def test_another_version_is_derived_once_into_the_cache_and_judged_with(another_version: Path) -> None:
    where = sdk_schemas.folder()
    assert where == another_version
    derived, snapshot = sdk_schemas.existing(where), sdk_schemas.existing(sdk_schemas.SNAPSHOT)
    assert set(derived) == set(snapshot) and len(derived) > 60
    # The same models give the same schemas: only the generation date may differ.
    same = {name for name in derived if derived[name] == snapshot[name]}
    assert set(derived) - same <= {"index.json"}
    assert "derived, cached at" in sdk_schemas.source()
    # The judge reads the derived set: a response missing `output` (the Agents SDK reads it) fails at sdk level.
    assert schemas.validate("Response", {"id": "resp_1", "object": "response"}, Strictness.SDK)
    mtime = (where / "index.json").stat().st_mtime_ns
    sdk_schemas.folder.cache_clear()
    assert sdk_schemas.folder() == where and (where / "index.json").stat().st_mtime_ns == mtime  # not rebuilt


def test_what_a_version_lacks_is_noted_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sdk_schemas.AGENTS_SDK_READS, ("Response", "no_such_field"), "gone in this version")
    monkeypatch.setitem(sdk_schemas.AGENTS_SDK_READS, ("NoSuchModel", "x"), "gone in this version")
    monkeypatch.setitem(sdk_schemas.MODELS, "Gone", ("responses", "NoSuchResponseModel"))
    files, notes = sdk_schemas.build(json.loads((sdk_schemas.SCHEMA_DIR / "index.json").read_text())["openai"], "")
    assert "Response.json" in files and "Gone.json" not in files
    assert any("Response has no field 'no_such_field'" in n for n in notes)
    assert any("no definition NoSuchModel" in n for n in notes)
    assert any("no model responses.NoSuchResponseModel" in n for n in notes)
    assert files["index.json"]["notes"] == sorted(set(notes))


def _changed_copy(tmp_path: Path) -> Path:
    new = tmp_path / "new"
    shutil.copytree(sdk_schemas.SNAPSHOT, new)
    response = json.loads((new / "Response.json").read_text())
    defs = response["$defs"]
    defs["Response"]["required"].remove("output")
    defs["Response"]["properties"]["brand_new"] = {"type": "string"}
    defs["Response"]["required"].append("brand_new")
    (new / "Response.json").write_text(json.dumps(response))
    index = json.loads((new / "index.json").read_text())
    index["events"]["response.brand_new.event"] = "sdk/Response.json"
    index["openai_version"] = "9.9.9"
    (new / "index.json").write_text(json.dumps(index))
    return new


def test_the_diff_names_what_became_optional_required_and_new(tmp_path: Path) -> None:
    lines = sdk_diff.diff(sdk_diff.load(sdk_schemas.SNAPSHOT), sdk_diff.load(_changed_copy(tmp_path)))
    assert "event type added: response.brand_new.event" in lines
    assert "Response.output: became optional" in lines
    assert "Response.brand_new: new field (required)" in lines
    assert sdk_diff.diff(sdk_diff.load(sdk_schemas.SNAPSHOT), sdk_diff.load(sdk_schemas.SNAPSHOT)) == []


def test_the_command_diffs_two_sets_and_refuses_an_unknown_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sdk_schemas.CACHE_ENV, str(tmp_path / "cache"))
    new = _changed_copy(tmp_path)
    assert main(["sdk-schemas", "--diff", "--new", str(new)]) == 0
    out = capsys.readouterr().out
    assert f"openai {openai.__version__}" in out and "-> openai 9.9.9" in out and "became optional" in out
    assert main(["sdk-schemas", "--diff", "0.0.1"]) == 2
    assert "no sdk schemas for openai 0.0.1" in capsys.readouterr().err
