"""What a check finds: how bad, a stable code for scripts, and words for people."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: how bad, a stable code for scripts, and words for people."""

    severity: Severity
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        """A plain dict for `--json` output."""
        return asdict(self)
