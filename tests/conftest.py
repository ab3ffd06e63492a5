"""Shared fixtures: a tiny made-up knowledge base, stores built from it, and the real shared data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cyberreg.services.store import Store
from cyberreg.sources.bundled import BUNDLED_DATA

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURE_KB = TESTS / "fixtures" / "kb"


def shared_data_dir() -> Path | None:
    """`$CYBERREG_SHARED_DATA`, else `../shared/data` beside the repository, if present."""
    candidates = [os.environ.get("CYBERREG_SHARED_DATA"), str(REPO.parent / "shared" / "data")]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("real data not found: set CYBERREG_SHARED_DATA or put shared/data beside the repo")
    return path


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture knowledge base."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target


@pytest.fixture
def tiny_store(tmp_path: Path, kb_dir: Path) -> Store:
    store = Store(tmp_path / "tiny.db", auto_build=False)
    store.build(kb_dir)
    return store


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real bundled knowledge base, built once per test session."""
    path = tmp_path_factory.mktemp("bundled") / "cyberreg.db"
    store = Store(path, auto_build=False)
    store.build(BUNDLED_DATA)
    store.close()
    return path


@pytest.fixture
def bundled_store(bundled_db: Path) -> Store:
    return Store(bundled_db, auto_build=False)
