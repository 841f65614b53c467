"""export --to gradescope: an autograder zip whose run_autograder, run against a folder laid
out like /autograder, writes Gradescope's results.json for good, partly wrong and unreadable
submissions."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.grading.solution import Solution

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
TUTOR = Path(sys.executable).with_name("backprop-tutor")
runner = CliRunner()

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="run_autograder is bash")


REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel of this tool built from the checkout the tests run in (export builds one from
    its own source only where it runs from a source folder; an installed copy is given one)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(REPOSITORY)], check=True, capture_output=True, timeout=600)
    [built] = out.glob("backprop_tutor-*.whl")
    return built


@pytest.fixture(scope="module")
def autograder(tmp_path_factory, wheel) -> Path:
    """The autograder zip of two_neuron asking the forward pass and ∂E/∂w2, with a wheel of
    this tool."""
    folder = tmp_path_factory.mktemp("export")
    target = folder / "autograder.zip"
    result = runner.invoke(app, ["export", str(SCENARIOS / "two_neuron.yaml"), "--to",
                                 "gradescope", "--only", "forward,dE/dw2", "--reveal", "mistake",
                                 "--wheel", str(wheel), "-o", str(target)])
    assert result.exit_code == 0, result.output
    return target


def unpack(zip_path: Path, root: Path) -> Path:
    """A folder laid out like /autograder: source/ (the zip), submission/, results/."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # extractall drops the modes the zip records
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "BACKPROP_TUTOR": str(TUTOR)}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_has_what_gradescope_runs_and_a_wheel_of_this_tool(autograder, tmp_path):
    with zipfile.ZipFile(autograder) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "two_neuron.yaml"} <= set(names)
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
        [wheel] = [n for n in names if n.startswith("wheels/") and n.endswith(".whl")]
        archive.extract(wheel, tmp_path)
        assert archive.read("two_neuron.yaml") == (SCENARIOS / "two_neuron.yaml").read_bytes()
        assert "pip install" in archive.read("setup.sh").decode()
    with zipfile.ZipFile(tmp_path / wheel) as built:
        inside = built.namelist()
        assert "backprop_tutor/render/platforms/gradescope.py" in inside
        metadata = next(n for n in inside if n.endswith(".dist-info/METADATA"))
        assert "Name: backprop-tutor" in built.read(metadata).decode()


def _sheet(values: dict[str, str]) -> str:
    return "student: Ada\nanswers:\n" + "".join(f'  "{a}": {v}\n' for a, v in values.items())


def test_a_good_sheet_scores_every_point(autograder, tmp_path):
    root = unpack(autograder, tmp_path)
    key = Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml"))).key
    asked = ["z1", "a1", "z2", "a2", "dE/dw2"]
    (root / "submission" / "answers.yaml").write_text(
        _sheet({a: f"{key[a]:.6g}" for a in asked}))
    results = run_autograder(root)
    assert results["score"] == 5.0
    assert [t["name"] for t in results["tests"]] == asked  # the exercise's asks, not all 24
    assert all(t["status"] == "passed" and t["visibility"] == "visible"
               for t in results["tests"])


def test_a_partly_wrong_sheet_is_told_its_mistake_not_the_key(autograder, tmp_path):
    root = unpack(autograder, tmp_path)
    key = Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml"))).key
    values = {a: f"{key[a]:.6g}" for a in ["z1", "a1", "z2", "a2", "dE/dw2"]}
    values["dE/dw2"] = f"{-key['dE/dw2']:.6g}"  # a sign error
    values["a1"] = f"{key['z1']:.6g}"  # z for a
    # a quantity the exercise does not ask, which the sheet claims it asks
    sheet = _sheet(values).replace("answers:", "asks: [z1]\nanswers:")
    (root / "submission" / "answers.yaml").write_text(sheet)
    results = run_autograder(root)
    assert results["score"] == 3.0
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["dE/dw2"]["status"] == "failed" and "sign" in tests["dE/dw2"]["output"]
    assert tests["a1"]["score"] == 0.0
    assert not re.search(r"key", json.dumps(results["tests"]))  # --reveal mistake


@pytest.mark.parametrize("files, says", [
    ({"answers.yaml": "answers: [this is: not, a sheet\n"}, "answers.yaml"),
    ({}, "no answer sheet"),
    ({"a.yaml": "answers: {z1: 0.415}\n", "b.json": "{}"}, "several answer sheets"),
])
def test_an_unreadable_submission_scores_0_and_says_why(autograder, tmp_path, files, says):
    root = unpack(autograder, tmp_path)
    for name, text in files.items():
        (root / "submission" / name).write_text(text)
    results = run_autograder(root)
    assert results["score"] == 0.0 and results["tests"] == []
    assert results["output"].startswith("error: ") and says in results["output"]


def test_variants_are_graded_against_the_sheets_own_variant(tmp_path):
    wheel = tmp_path / "backprop_tutor-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as fake:  # run_autograder runs BACKPROP_TUTOR, not this
        fake.writestr("backprop_tutor/__init__.py", "")
    target = tmp_path / "ag.zip"
    result = runner.invoke(app, ["export", str(SCENARIOS / "two_neuron.yaml"), "--to",
                                 "gradescope", "--variants", "2", "--seed", "5", "--wheel",
                                 str(wheel), "--only", "a2", "-o", str(target)])
    assert result.exit_code == 0, result.output
    root = unpack(target, tmp_path / "root")
    [variant, *_] = sorted((root / "source" / "variants").glob("*.yaml"))
    key = Solution(api.run(api.load(variant))).key
    (root / "submission" / "s.yaml").write_text(
        f"variant: {variant.stem}\nanswers:\n  a2: {key['a2']:.6g}\n")
    results = run_autograder(root)
    assert results["score"] == 1.0 and [t["name"] for t in results["tests"]] == ["a2"]


def test_export_builds_its_own_wheel_from_a_source_folder_or_says_to_give_one():
    from backprop_tutor.errors import InputError
    from backprop_tutor.render.platforms import gradescope

    source = Path(gradescope.__file__).resolve().parents[3]
    if (source / "pyproject.toml").is_file():  # an editable install: the checkout itself
        built = gradescope.build_wheel()
        assert built.name.startswith("backprop_tutor-") and built.suffix == ".whl"
    else:  # installed from a wheel: no source to build from
        with pytest.raises(InputError, match="pass it with --wheel"):
            gradescope.build_wheel()
