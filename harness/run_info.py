"""What a run judged with: the strictness, and the versions of the two SDKs whose reading of the wire it checks.

Every report states it (report.json's `run`, the HTML header, JUnit properties, the console header), so a verdict
can be read against the SDK it was made with.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import sdk_schemas
from harness.model import Strictness


@dataclass(frozen=True)
class RunInfo:
    strictness: str
    openai: str | None
    openai_agents: str | None
    sdk_schemas: str | None = None  # at `sdk` strictness: where its schemas came from (snapshot or derived)

    @classmethod
    def current(cls, strictness: Strictness = Strictness.OPENAI) -> RunInfo:
        versions = sdk_schemas.installed_versions()
        where = sdk_schemas.source() if strictness is Strictness.SDK else None
        return cls(strictness.value, versions["openai"], versions["openai-agents"], where)

    def as_json(self) -> dict[str, str | None]:
        return {
            "strictness": self.strictness,
            "openai": self.openai,
            "openai_agents": self.openai_agents,
            "sdk_schemas": self.sdk_schemas,
        }

    def line(self) -> str:
        text = f"strictness {self.strictness} · openai {self.openai} · openai-agents {self.openai_agents}"
        return text + (f" · sdk schemas from {self.sdk_schemas}" if self.sdk_schemas else "")
