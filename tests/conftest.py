"""Shared fixtures: paths of the shipped scenarios; a private derivation cache."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

from backprop_tutor.scenario import yaml_source

# CI draws the same examples on every run (a property test is a search, and a run that lands
# must not depend on the luck of the draw); a developer's run keeps exploring new ones
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

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


@pytest.fixture(params=["c", "python"])
def yaml_parser(request, monkeypatch):
    """The YAML reader on the libyaml parser, then on the pure Python fallback."""
    if request.param == "c":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML was built without libyaml")
    else:
        monkeypatch.setattr(yaml_source, "_Loader", yaml_source._make_loader(yaml.SafeLoader))
    return request.param
