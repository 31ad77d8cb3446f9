"""The domain errors.  Only the command line turns them into exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SaasSimError(Exception):
    """Any failure the user should see as one clean message (exit code 1)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: ``file:line field.path: message``."""

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where} {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InputError(SaasSimError):
    """Invalid input: a bad file, option or scenario (exit code 2).

    Carries every problem found, one line each.
    """

    def __init__(self, problems: Sequence[Problem | str]):
        self.problems: list[Problem | str] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SimulationDiverged(InputError):
    """The scenario is valid field by field but grows without bound (exit code 2)."""

    def __init__(self, message: str):
        super().__init__([message])


class EngineNotBuilt(SaasSimError):
    """The compiled engine is missing or older than its source: the install's build step did not run."""
