"""The errors obeya raises.

Every error a user can cause derives from :class:`ObeyaError`; the CLI catches that
one root, prints a single ``error:`` line (the traceback only with ``--verbose``) and
exits with status 2. Each user-facing subclass also inherits the builtin it refines,
so callers that only know Python's own exceptions still catch it::

    ObeyaError
    ├── ConfigError(ValueError)          a setting, spec or YAML/JSON document is wrong
    │   └── SpecError                    a typed spec (KPI, scenario, network, plan) breaks a rule
    ├── DataError(ValueError)            data in files or the warehouse breaks the model
    │   └── LoadRefused                  a load or validation found problems (carries them all)
    ├── WarehouseError(RuntimeError)     the warehouse cannot be opened, or a table is missing
    ├── QueryError(ValueError)           a user's SQL is refused (not read-only) or fails
    └── InfeasibleError(ValueError)      an optimisation or model has no solution for its input
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "DataError",
    "InfeasibleError",
    "LoadRefused",
    "ObeyaError",
    "Problem",
    "QueryError",
    "SpecError",
    "WarehouseError",
]


class ObeyaError(Exception):
    """Root of every error obeya raises on purpose."""


class ConfigError(ValueError, ObeyaError):
    """A setting, spec file or document is malformed."""


class SpecError(ConfigError):
    """A typed specification breaks one of its rules."""


class DataError(ValueError, ObeyaError):
    """Data does not fit the operations data model."""


class WarehouseError(RuntimeError, ObeyaError):
    """The warehouse cannot be opened or lacks what a command needs."""


class QueryError(ValueError, ObeyaError):
    """A user's SQL query is refused or fails."""


class InfeasibleError(ValueError, ObeyaError):
    """A model or optimisation has no feasible solution for its input."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule at one place: ``file:row:column: value: rule``.

    ``row`` is the row as the user sees it in the file (the header is row 1), or
    ``None`` when the problem concerns the whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column is not None:
            where += f":{self.column}"
        value = "" if self.value is None else f"{self.value!r}: "
        return f"{where}: {value}{self.rule}"


class LoadRefused(DataError):
    """A load (or a dry-run validation) found problems; nothing was written.

    ``problems`` holds at most the first ``MAX_SHOWN`` problems in file and row
    order; ``total`` counts them all.
    """

    MAX_SHOWN = 50

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems = tuple(problems[: self.MAX_SHOWN])
        self.total = len(problems) if total is None else total
        super().__init__(self.render())

    def render(self) -> str:
        lines = [
            f"load refused: {self.total} problem{'s' if self.total != 1 else ''}; nothing was written"
        ]
        lines += [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems)} more ({self.total} in all)")
        return "\n".join(lines)
