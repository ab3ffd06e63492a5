"""Problems found in input files: each names the file, the line where possible, and the field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cyberreg.sources.yaml_lines import LineDict


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InputError(Exception):
    """Raised with every problem found; nothing has been written when it is raised."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.field or ""))
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


def line_of(raw: Any, loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest part of `raw` that `loc` (a pydantic error location) reaches."""
    line = raw.line if isinstance(raw, LineDict) else None
    node = raw
    for part in loc:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            line = node.line_of(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            if isinstance(node, LineDict):
                line = node.line
        else:
            break
    return line


def problems_from_validation(error: ValidationError, raw: Any, file: str, prefix: str = "") -> list[Problem]:
    """One `Problem` per pydantic error, located in the raw YAML it came from."""
    found = []
    for item in error.errors():
        loc = tuple(item["loc"])
        field = ".".join(str(p) for p in loc) or None
        if prefix:
            field = f"{prefix}.{field}" if field else prefix
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        found.append(Problem(file, line_of(raw, loc), field, message))
    return found


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
