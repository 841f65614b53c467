"""export of a circuit: a PrairieLearn question whose keys are a hand calculation's and whose
server.py grades as `grade` does (error carried forward through a fan-out and a max gate
included), Moodle and Canvas quizzes with the grading margins, and a Gradescope autograder that
grades a circuit's sheet."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from circuit_hand import FAN_OUT, fan_out, neuron
from typer.testing import CliRunner

from backprop_tutor.cli import app
from backprop_tutor.examples import bundled_path
from backprop_tutor.grading.circuit import circuit_questions, grade_circuit_sheet
from backprop_tutor.grading.grade import Settings
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.render.platforms.exercise import answer_name
from backprop_tutor.scenario.circuit_loader import load_circuit
from backprop_tutor.solution.circuit import solve_circuit

runner = CliRunner()
TUTOR = Path(sys.executable).with_name("backprop-tutor")
NEURON = str(bundled_path("circuit_sigmoid_neuron"))
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
BLANK = re.compile(r"\{1:NUMERICAL:=([^:}]+):([^#}]+)#[^}]*\}")
# the updates of the sigmoid neuron start from these (an update's margin is of its change)
NEURON_START = {"w0+": 2.0, "w1+": -3.0, "w2+": -3.0}


@pytest.fixture
def fan_out_file(tmp_path) -> str:
    path = tmp_path / "fan_out.yaml"
    path.write_text(FAN_OUT)
    return str(path)


def export(tmp_path: Path, scenario: str, to: str, *args: str, name: str = "out") -> Path:
    target = tmp_path / name
    result = runner.invoke(app, ["export", scenario, "--to", to, "-o", str(target), *args])
    assert result.exit_code == 0, result.output
    return target


def load_server(folder: Path):
    spec = importlib.util.spec_from_file_location(f"server_{folder.name}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated(server) -> dict:
    random.seed(0)
    data = {"params": {}, "correct_answers": {}, "variant_seed": 0, "options": {}}
    server.generate(data)
    return data


def submit(server, data: dict, answers: dict[str, float]) -> dict:
    """PrairieLearn's grade() call with ``answers`` by address, written to five digits."""
    texts = {answer_name(a): f"{v:.5g}" for a, v in answers.items()}
    sheet = {"params": data["params"], "correct_answers": data["correct_answers"],
             "submitted_answers": {k: float(v) for k, v in texts.items()},
             "raw_submitted_answers": texts, "partial_scores": {}, "score": 0.0,
             "feedback": {}, "format_errors": {}}
    server.grade(sheet)
    return sheet


def graded_by_tool(scenario: str, answers: dict[str, float]) -> dict[str, float]:
    """The points `grade` gives each quantity of the same sheet."""
    sheet = sheet_from_text(json.dumps({"answers": {a: f"{v:.5g}" for a, v in answers.items()}}))
    result = grade_circuit_sheet(solve_circuit(load_circuit(scenario)), sheet, Settings())
    return {i.address: i.points for i in result.items}


@pytest.mark.parametrize("which", ["neuron", "fan_out"])
def test_prairielearn_keys_are_the_hand_calculation_and_a_right_sheet_scores_1(
        tmp_path, which, fan_out_file):
    scenario, hand = (NEURON, neuron()) if which == "neuron" else (fan_out_file, fan_out())
    folder = export(tmp_path, scenario, "prairielearn")
    info = json.loads((folder / "info.json").read_text())
    assert info["type"] == "v3" and {"uuid", "title", "topic"} <= set(info)
    assert {"forward", "local", "backward", "updates"} <= set(info["tags"])
    server = load_server(folder)
    data = generated(server)
    assert set(data["correct_answers"]) == {answer_name(a) for a in hand}
    for address, value in hand.items():
        assert data["correct_answers"][answer_name(address)] == pytest.approx(value, rel=1e-12,
                                                                              abs=1e-15)
    assert submit(server, data, hand)["score"] == 1.0
    html = (folder / "question.html").read_text()
    root = ET.fromstring("<root>" + html + "</root>")
    inputs = root.findall(".//pl-number-input")
    assert [i.get("answers-name") for i in inputs] == [answer_name(a) for a in
                                                       (q.address for q in circuit_questions(
                                                           solve_circuit(load_circuit(scenario))))]
    assert "The circuit, each node a formula of the names above it" in html


def test_prairielearn_carries_an_error_forward_as_grade_does(tmp_path):
    # ∂f/∂v of the 1/x gate written +1/v²: every gradient and update below it follows
    answers = neuron({"df/dv": -neuron()["df/dv"]})
    server = load_server(export(tmp_path, NEURON, "prairielearn"))
    scores = submit(server, generated(server), answers)["partial_scores"]
    tool = graded_by_tool(NEURON, answers)
    assert {a: scores[answer_name(a)]["score"] for a in answers} == tool
    assert scores["df_dv"]["score"] == 0.0
    assert scores["df_du"]["score"] == 0.5 and "carried forward" in scores["df_du"]["feedback"]
    assert scores["w0_new"]["score"] == 0.5


def test_prairielearn_takes_an_exp_gates_local_gradient_from_its_own_output(tmp_path):
    answers = neuron({"u": 2.718281828459045})
    server = load_server(export(tmp_path, NEURON, "prairielearn"))
    scores = submit(server, generated(server), answers)["partial_scores"]
    tool = graded_by_tool(NEURON, answers)
    assert {a: scores[answer_name(a)]["score"] for a in answers} == tool
    assert tool["du/dn"] == 0.5 and tool["u"] == 0.0


def test_prairielearn_carries_an_error_through_a_fan_out_and_a_max_gate(tmp_path,
                                                                          fan_out_file):
    # ∂f/∂m written as m (the multiply gate's own input): through the max gate to ∂f/∂s and
    # ∂f/∂p, then into what p sends back to x and the sum over x's two uses
    answers = fan_out({"df/dm": fan_out()["m"]})
    server = load_server(export(tmp_path, fan_out_file, "prairielearn"))
    scores = submit(server, generated(server), answers)["partial_scores"]
    tool = graded_by_tool(fan_out_file, answers)
    assert {a: scores[answer_name(a)]["score"] for a in answers} == tool
    for address in ("df/ds", "df/dp", "df/dp*dp/dx", "df/dx", "df/dw", "w+"):
        assert tool[address] == 0.5, address
    assert tool["df/df*df/dx"] == 1.0


def test_prairielearn_variants_have_each_variants_keys(tmp_path):
    folder = export(tmp_path, NEURON, "prairielearn", "--variants", "3", "--seed", "7")
    server = load_server(folder)
    assert len(server.VARIANTS) == 3
    variants = tmp_path / "v"
    assert runner.invoke(app, ["variants", NEURON, "--count", "3", "--seed", "7", "-o",
                               str(variants)]).exit_code == 0
    for variant in server.VARIANTS:
        solution = solve_circuit(load_circuit(variants / f"{variant['id']}.yaml"))
        values = solution.values()
        assert variant["key"] == {a: values[a] for a in variant["key"]}
        assert len(variant["key"]) == 34


def test_prairielearn_only_asks_the_chosen_sections(tmp_path):
    server = load_server(export(tmp_path, NEURON, "prairielearn", "--only", "updates,df/dw0"))
    assert [a["address"] for a in server.ASKED] == ["df/dw0", "w0+", "w1+", "w2+"]
    bad = runner.invoke(app, ["export", NEURON, "--to", "prairielearn", "-o",
                              str(tmp_path / "x"), "--only", "loss"])
    assert bad.exit_code == 2 and "neither a section" in bad.stderr
    assert not (tmp_path / "x").exists()


def _margin(address: str, key: float) -> float:
    if address in NEURON_START:
        return 0.005 * abs(key - NEURON_START[address])
    return 0.005 * abs(key)


def test_moodle_cloze_blanks_are_the_key_with_the_grading_margin(tmp_path):
    path = export(tmp_path, NEURON, "moodle", name="q.xml")
    quiz = ET.parse(path).getroot()
    [question] = quiz.findall("question[@type='cloze']")
    text = question.find("questiontext/text").text
    blanks = BLANK.findall(text)
    hand = neuron()
    addresses = [q.address for q in circuit_questions(solve_circuit(load_circuit(NEURON)))]
    assert len(blanks) == len(addresses) == len(hand)
    for address, (key, width) in zip(addresses, blanks, strict=True):
        assert float(key) == pytest.approx(hand[address], rel=1e-12, abs=1e-15), address
        assert float(width) == pytest.approx(_margin(address, hand[address]), rel=1e-9,
                                             abs=1e-15), address
    assert "The circuit, each node a formula" in text


def test_canvas_numerical_questions_are_the_key_with_the_grading_margin(tmp_path):
    path = export(tmp_path, NEURON, "canvas", name="q.zip")
    hand = neuron()
    with zipfile.ZipFile(path) as archive:
        [quiz_name] = [n for n in archive.namelist() if n.endswith(".xml")
                       and "imsmanifest" not in n and "assessment_meta" not in n]
        quiz = ET.fromstring(archive.read(quiz_name))
    ranges = quiz.findall(f".//{QTI}vargte/..")
    assert len(ranges) == len(hand)
    addresses = [q.address for q in circuit_questions(solve_circuit(load_circuit(NEURON)))]
    for address, condition in zip(addresses, ranges, strict=True):
        low = float(condition.find(f"{QTI}vargte").text)
        high = float(condition.find(f"{QTI}varlte").text)
        assert (low + high) / 2 == pytest.approx(hand[address], rel=1e-9, abs=1e-12)
        assert (high - low) / 2 == pytest.approx(_margin(address, hand[address]), rel=1e-6,
                                                 abs=1e-12)


@pytest.mark.skipif(shutil.which("bash") is None, reason="run_autograder is bash")
def test_gradescope_autograder_grades_a_circuits_sheet(tmp_path):
    wheel = tmp_path / "backprop_tutor-0.0.0-py3-none-any.whl"  # not installed here
    wheel.write_bytes(b"a wheel")
    target = export(tmp_path, NEURON, "gradescope", "--wheel", str(wheel), name="ag.zip")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(target) as archive:
        assert {"setup.sh", "run_autograder", "circuit_sigmoid_neuron.yaml"} <= set(
            archive.namelist())
        archive.extractall(root / "source")
    os.chmod(root / "source" / "run_autograder", 0o755)
    (root / "submission").mkdir()
    answers = neuron({"df/dv": -neuron()["df/dv"]})
    (root / "submission" / "sheet.yaml").write_text(json.dumps(
        {"student": "Ada", "answers": {a: f"{v:.5g}" for a, v in answers.items()}}))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "BACKPROP_TUTOR": str(TUTOR)}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    tool = graded_by_tool(NEURON, answers)
    assert results["score"] == pytest.approx(sum(tool.values()))
    by_name = {t["name"]: t for t in results["tests"]}
    assert any("sign flipped" in t.get("output", "") for t in by_name.values())
