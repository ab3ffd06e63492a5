"""Docs generated from the code must be up to date (`make docs` regenerates them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", REPO / "scripts" / "gen_cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert module.cli_reference() == current, "docs/cli.md is stale: run `make docs`"


def test_knowledge_base_page_is_current() -> None:
    spec = importlib.util.spec_from_file_location("gen_kb_docs", REPO / "scripts" / "gen_kb_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (REPO / "docs" / "knowledge-base.md").read_text(encoding="utf-8")
    assert module.knowledge_base_page() == current, "docs/knowledge-base.md is stale: run `make docs`"
