"""The package's layering: the import contracts of pyproject.toml hold (import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    # the command beside the running Python: the environment the tests run in
    command = Path(sys.executable).with_name("lint-imports")
    lint = str(command) if command.exists() else shutil.which("lint-imports")
    assert lint, "import-linter is part of the test extra"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_layer_of_the_contract_is_a_package_of_the_pipeline():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and newer

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    packages = {p.name for p in (ROOT / "backprop_tutor").iterdir()
                if (p / "__init__.py").exists() and p.name != "examples"}
    assert {layer.split(".")[1] for layer in layers} == packages | {"api"}
