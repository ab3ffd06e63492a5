"""Data flows one way: sources -> model -> store -> engines -> services -> interfaces."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cyberreg"

# What each layer may never import.
FORBIDDEN = {
    "model": [
        "cyberreg.sources",
        "cyberreg.store",
        "cyberreg.crosswalk",
        "cyberreg.monitor",
        "cyberreg.services",
        "cyberreg.cli",
        "cyberreg.api",
        "cyberreg.web",
    ],
    "sources": [
        "cyberreg.store",
        "cyberreg.crosswalk",
        "cyberreg.monitor",
        "cyberreg.services",
        "cyberreg.cli",
        "cyberreg.api",
        "cyberreg.web",
    ],
    "store": [
        "cyberreg.crosswalk",
        "cyberreg.monitor",
        "cyberreg.services",
        "cyberreg.cli",
        "cyberreg.api",
        "cyberreg.web",
    ],
    "crosswalk": ["cyberreg.services", "cyberreg.cli", "cyberreg.api", "cyberreg.web"],
    "monitor": ["cyberreg.services", "cyberreg.cli", "cyberreg.api", "cyberreg.web"],
    "services": ["cyberreg.cli", "cyberreg.api", "cyberreg.web"],
    # Interfaces talk to services, never to the database.
    "cli": ["cyberreg.store", "sqlalchemy", "cyberreg.api", "cyberreg.web"],
    "api": ["cyberreg.store", "sqlalchemy", "cyberreg.cli"],
    "web": ["cyberreg.store", "sqlalchemy", "cyberreg.cli"],
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_layers_only_import_downstream() -> None:
    violations = []
    for layer, forbidden in FORBIDDEN.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for name in imports_of(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []


def test_modules_stay_small() -> None:
    too_long = [
        f"{p.relative_to(PACKAGE)}: {n} lines"
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > 650
    ]
    assert too_long == []
