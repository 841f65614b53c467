"""Shared fixtures: paths of the shipped scenarios; a private derivation cache."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# the tool's derivation cache goes to a folder of this test session (the CLI tests' child
# processes inherit it), never to the user's own cache
os.environ["BACKPROP_TUTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="backprop-tutor-cache-")
os.environ.pop("BACKPROP_TUTOR_NO_CACHE", None)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenarios_dir() -> Path:
    """The folder of shipped scenarios."""
    return SCENARIOS
