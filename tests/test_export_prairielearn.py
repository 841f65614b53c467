"""export --to prairielearn: a question folder PrairieLearn accepts, whose numbers are the key's
and whose server.py grades as backprop-tutor grades, error carried forward included."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.examples import network_names
from backprop_tutor.grading.grade import Settings, grade_sheet
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()

# The fields of PrairieLearn's infoQuestion JSON Schema
# (apps/prairielearn/src/schemas/schemas/infoQuestion.json, draft-07, in PrairieLearn's
# repository): what it requires, the uuid's pattern, the type's values, that tags are strings
# and that no other property than these is allowed. The file itself is AGPL-licensed, so its
# facts are restated here rather than the file shipped.
INFO_QUESTION = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["uuid", "type", "title", "topic"],
    "additionalProperties": False,
    "properties": {
        "comment": {},
        "uuid": {"type": "string", "pattern": "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                                              "[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"},
        "type": {"type": "string",
                 "enum": ["Calculation", "MultipleChoice", "Checkbox", "File",
                          "MultipleTrueFalse", "v3"]},
        "title": {"type": "string"},
        "topic": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "authors": {"type": "array"},
        "clientFiles": {"type": "array", "items": {"type": "string"}},
        "clientTemplates": {"type": "array", "items": {"type": "string"}},
        "template": {"type": "string"},
        "gradingMethod": {"type": "string", "enum": ["Internal", "External", "Manual"]},
        "singleVariant": {"type": "boolean"},
        "showCorrectAnswer": {"type": "boolean"},
        "partialCredit": {"type": "boolean"},
        "options": {"type": "object"},
        "externalGradingOptions": {"type": "object"},
        "dependencies": {"type": "object"},
        "workspaceOptions": {"type": "object"},
        "sharingSets": {"type": "array"},
        "sharePublicly": {"type": "boolean"},
        "shareSourcePublicly": {"type": "boolean"},
        "preferences": {"type": "object"},
    },
}


def export(tmp_path: Path, scenario: str, *args: str, name: str = "q") -> Path:
    folder = tmp_path / name
    result = runner.invoke(app, ["export", str(SCENARIOS / f"{scenario}.yaml"), "--to",
                                 "prairielearn", "-o", str(folder), *args])
    assert result.exit_code == 0, result.output
    return folder


def load_server(folder: Path):
    spec = importlib.util.spec_from_file_location(f"server_{folder.name}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated(server, seed: int = 0) -> dict:
    import random

    random.seed(seed)
    data = {"params": {}, "correct_answers": {}, "variant_seed": seed, "options": {}}
    server.generate(data)
    return data


def submit(data: dict, answers: dict[str, str]) -> dict:
    """A submission as PrairieLearn hands it to grade(): the elements' parsed floats, the raw
    texts, and the elements' own partial scores (here all 0: grade() replaces them)."""
    sheet = {"params": data["params"], "correct_answers": data["correct_answers"],
             "submitted_answers": {k: float(v) for k, v in answers.items()},
             "raw_submitted_answers": dict(answers),
             "partial_scores": {k: {"score": 0.0, "weight": 1} for k in answers},
             "score": 0.0, "feedback": {}, "format_errors": {}}
    return sheet


def run_json_values(scenario: Path) -> dict[str, float]:
    result = runner.invoke(app, ["run", str(scenario), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["iterations"][0]["values"]


def test_info_json_is_valid_and_its_uuid_stable(tmp_path):
    folder = export(tmp_path, "two_neuron")
    info = json.loads((folder / "info.json").read_text())
    jsonschema.Draft7Validator.check_schema(INFO_QUESTION)
    jsonschema.validate(info, INFO_QUESTION)
    assert info["type"] == "v3" and info["topic"] and "Two neurons" in info["title"]
    again = json.loads((export(tmp_path, "two_neuron", name="q2") / "info.json").read_text())
    assert again["uuid"] == info["uuid"]
    other = json.loads((export(tmp_path, "two_neuron", "--only", "forward", name="q3")
                        / "info.json").read_text())
    assert other["uuid"] != info["uuid"]


def test_question_html_has_one_input_per_quantity_with_the_grading_margins(tmp_path):
    folder = export(tmp_path, "two_neuron", "--only", "forward,updates")
    root = ET.fromstring("<root>" + (folder / "question.html").read_text() + "</root>")
    inputs = root.findall(".//pl-number-input")
    names = [i.get("answers-name") for i in inputs]
    assert names == ["z1", "a1", "z2", "a2", "w2_new", "b2_new", "w1_new", "b1_new"]
    assert all(i.get("comparison") == "relabs" for i in inputs)
    by_name = {i.get("answers-name"): i for i in inputs}
    assert by_name["z1"].get("rtol") == "0.005" and by_name["z1"].get("atol") == "0"
    assert by_name["z1"].get("label") == "$z_{1} =$"
    key = Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml"))).key
    change = key["w1+"] - 0.15  # an update: an absolute margin, rel·|change|
    assert by_name["w1_new"].get("rtol") == "0"
    assert float(by_name["w1_new"].get("atol")) == pytest.approx(0.005 * abs(change))
    assert "w_{1} x_{1} + b_{1}" in (folder / "question.html").read_text()  # the formula
    assert root.find(".//pl-answer-panel") is not None


@pytest.mark.parametrize("scenario", network_names())
def test_correct_answers_are_the_keys_of_run_json(tmp_path, scenario):
    folder = export(tmp_path, scenario)
    server = load_server(folder)
    data = generated(server)
    values = run_json_values(SCENARIOS / f"{scenario}.yaml")
    assert len(data["correct_answers"]) == len(server.ASKED) > 0
    for asked in server.ASKED:
        assert data["correct_answers"][asked["name"]] == values[asked["address"]]
    graded = submit(data, {k: repr(v) for k, v in data["correct_answers"].items()})
    server.grade(graded)
    assert graded["score"] == 1.0


def test_variants_each_carry_their_own_key(tmp_path):
    folder = export(tmp_path, "house_price", "--variants", "3", "--seed", "7")
    server = load_server(folder)
    variants = tmp_path / "v"
    made = runner.invoke(app, ["variants", str(SCENARIOS / "house_price.yaml"), "--count", "3",
                               "--seed", "7", "-o", str(variants)])
    assert made.exit_code == 0, made.output
    seen = set()
    for seed in range(40):
        data = generated(server, seed)
        ident = data["params"]["variant"]
        seen.add(ident)
        values = run_json_values(variants / f"{ident}.yaml")
        for asked in server.ASKED:
            assert data["correct_answers"][asked["name"]] == values[asked["address"]]
        if len(seen) == 3:
            break
    assert len(seen) == 3
    html = (folder / "question.html").read_text()
    assert "(variant" not in html  # the exercise's own title
    assert "{{params.atol.w111_new}}" in html  # a margin that differs between variants


def _sheet_text(answers: dict[str, str]) -> str:
    lines = ["answers:"] + [f'  "{a}": {v}' for a, v in answers.items()]
    return "\n".join(lines) + "\n"


def test_grade_gives_error_carried_forward_as_backprop_tutor_grades(tmp_path):
    folder = export(tmp_path, "two_neuron")
    server = load_server(folder)
    data = generated(server)
    variant = server._variant(data)
    # a sign error in ∂E/∂a2, and every later value worked correctly from it
    own: dict[str, float] = {}
    written: dict[str, str] = {}
    for asked in server.ASKED:
        address = asked["address"]
        if address == "dE/da2":
            value = -variant["key"][address]
        elif address in ("z1", "a1", "z2", "a2", "E"):
            value = variant["key"][address]
        else:
            value = server.evaluate(variant, address, own)
        own[address] = value
        written[address] = f"{value:.6g}"
    graded = submit(data, {a["name"]: written[a["address"]] for a in server.ASKED})
    server.grade(graded)
    scores = {a["address"]: graded["partial_scores"][a["name"]]["score"] for a in server.ASKED}
    assert scores["dE/da2"] == 0.0 and scores["z2"] == 1.0
    assert scores["dE/dz2"] == 0.5 and scores["dE/dw2"] == 0.5 and scores["w2+"] == 0.5
    assert "carried forward" in graded["partial_scores"]["dE_dw2"]["feedback"]
    assert "∂E/∂a2" in graded["partial_scores"]["dE_dw2"]["feedback"]
    # the same sheet graded by backprop-tutor: the same points for every quantity
    solution = Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml")))
    result = grade_sheet(solution, sheet_from_text(_sheet_text(written)), Settings())
    tool = {item.address: item.points for item in result.items}
    assert scores == tool
    assert graded["score"] == pytest.approx(result.fraction)


def test_grade_follows_the_rules_for_rounding_and_updates(tmp_path):
    server = load_server(export(tmp_path, "two_neuron", "--only", "a2,w1+"))
    data = generated(server)

    def score(a2: str, w1: str) -> tuple[float, float]:
        graded = submit(data, {"a2": a2, "w1_new": w1})
        server.grade(graded)
        return graded["partial_scores"]["a2"]["score"], graded["partial_scores"]["w1_new"]["score"]

    assert score("0.72", "0.1496") == (1.0, 1.0)  # rounded correctly; the change shown
    assert score("0.7", "0.15") == (0.0, 0.0)  # one digit; nothing updated (within 0.5%!)
    assert score("0.7190", "0.14958") == (0.0, 0.0)  # 0.5% off; the change 3% off


def test_server_runs_without_backprop_tutor(tmp_path):
    folder = export(tmp_path, "softmax_classifier")
    assert "backprop_tutor" not in (folder / "server.py").read_text()
    probe = ("import sys, runpy; m = runpy.run_path('server.py'); d = {'params': {}, "
             "'correct_answers': {}}; m['generate'](d); "
             "assert not any(n.startswith('backprop_tutor') for n in sys.modules); "
             "print(len(d['correct_answers']))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=folder, capture_output=True,
                         text=True, check=True)
    assert int(out.stdout) > 20
