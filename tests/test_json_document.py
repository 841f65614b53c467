"""The ``run --json`` document (schema version 2): real output against the printed schemas,
each thing said once, and every gradient rebuilt from the factors it names."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from schema_check import problems
from typer.testing import CliRunner

from backprop_tutor import api, examples
from backprop_tutor.cli import app
from backprop_tutor.grading.grade import VERDICTS
from backprop_tutor.render.json_out import MAX_ADDRESSED_SAMPLES, dumps, run_document
from backprop_tutor.scenario.loader import scenario_from_text

EXAMPLES = [examples.bundled_path(name) for name in examples.network_names()]
SHEETS = sorted(p for p in EXAMPLES[0].parent.glob("*.*.yaml"))  # house_price.textbook.yaml
runner = CliRunner()


def strict(text: str):
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not strict JSON")

    return json.loads(text, parse_constant=refuse)


def run_json(*args: str):
    result = runner.invoke(app, ["run", *args, "--json"])
    assert result.exit_code == 0, result.output
    return strict(result.stdout)


def scenario_text(samples: int, *, l2: float = 0.0, frozen: str = "[]",
                  output: str = "sigmoid", loss: str = "half_squared_error") -> str:
    rows = []
    for s in range(samples):
        x = [round(math.sin(s + 1), 4), round(math.cos(3 * s), 4)]
        t = [1.0, 0.0] if s % 2 else [0.0, 1.0]
        rows.append(f"  - {{inputs: {x}, targets: {t}}}")
    return "\n".join([
        "inputs: 2",
        "layers:",
        "  - {units: 3, activation: tanh, weights: [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]],",
        "     biases: [0.1, -0.1, 0.2]}",
        f"  - {{units: 2, activation: {output}, weights: [[0.2, -0.3, 0.4], [0.5, 0.1, -0.2]],",
        "     biases: [0.05, -0.05]}",
        "data:", *rows,
        f"loss: {loss}", "learning_rate: 0.3", "epochs: 3", f"l2: {l2}", f"frozen: {frozen}",
    ]) + "\n"


# ---- real output against the printed schemas ------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_shipped_scenario_gives_a_document_its_schema_accepts(path):
    document = run_json(str(path), "--iterations", "2")
    assert document["schema_version"] == 2
    assert problems(document, "trace") == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_shipped_scenario_follows_the_scenario_schema(path):
    assert problems(yaml.safe_load(path.read_text(encoding="utf-8")), "scenario") == []


@pytest.mark.parametrize("text", [
    scenario_text(MAX_ADDRESSED_SAMPLES + 1),
    scenario_text(5, l2=0.01, frozen="[b21, w111]"),
    scenario_text(4, output="softmax", loss="cross_entropy"),
], ids=["large-batch", "l2-frozen", "softmax"])
def test_documents_of_every_shape_follow_the_schema(text, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    document = run_json(str(path))
    assert problems(document, "trace") == []


def test_the_schema_refuses_what_is_not_the_document():
    document = run_json("two_neuron")
    assert problems(document, "trace") == []
    assert problems({**document, "schema_version": 1}, "trace")
    assert problems({k: v for k, v in document.items() if k != "factors"}, "trace")
    gradient = document["gradients"]["w1"]
    assert problems({**document, "gradients": {"w1": {**gradient, "form": "other"}}}, "trace")
    iteration = {**document["iterations"][0], "parameters_after": {}}
    assert problems({**document, "iterations": [iteration]}, "trace")


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_the_shipped_answer_sheets_follow_the_sheet_schema(path):
    assert problems(yaml.safe_load(path.read_text(encoding="utf-8")), "sheet") == []


def test_a_worksheet_follows_the_sheet_schema():
    result = runner.invoke(app, ["worksheet", "xor"])
    assert result.exit_code == 0, result.output
    sheet = yaml.safe_load(result.stdout)
    assert sheet["answers"]
    assert problems(sheet, "sheet") == []
    filled = {**sheet, "answers": dict.fromkeys(sheet["answers"], 0.5)}
    assert problems(filled, "sheet") == []
    assert problems({**sheet, "iteration": 0}, "sheet")


def test_grades_of_one_sheet_follow_the_grades_schema(tmp_path):
    sheet = tmp_path / "ada.yaml"
    sheet.write_text("student: Ada\nanswers:\n  z1: 0.415\n  a1: 0.7\n  dE/dw2: ''\n")
    result = runner.invoke(app, ["grade", "two_neuron", str(sheet), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = strict(result.stdout)
    assert document["summary"] is None
    assert {i["verdict"] for i in document["sheets"][0]["items"]} >= {"correct", "wrong"}
    assert problems(document, "grades") == []
    assert problems({**document, "grades_version": 1}, "grades")


def test_the_grades_schema_knows_every_verdict():
    schema = json.loads(runner.invoke(app, ["schema", "grades"]).stdout)
    assert set(schema["$defs"]["ItemDocument"]["properties"]["verdict"]["enum"]) == set(VERDICTS)


# ---- each thing once ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["two_neuron", "xor", "softmax_classifier", "frozen_biases",
                                  "shared_bias"])
def test_gradients_name_factors_that_are_each_printed_once(name):
    document = run_json(name)
    named = {a for g in document["gradients"].values() for path in g["paths"] for a in path}
    if all(g["form"] == "paths" for g in document["gradients"].values()):
        assert named == set(document["factors"])
    else:  # a δ form (a shared bias's sum of δ·∂z/∂b) also prints what each δ is made of
        assert named < set(document["factors"])
    assert set(document["gradients"]) == set(document["final"]["parameters"])
    for iteration in document["iterations"]:
        assert set(iteration) <= {"iteration", "epoch", "sample_indices", "loss", "values",
                                  "samples", "l2"}
        assert "samples" not in iteration  # a small batch's samples are addressed in values


def _factor(values: dict, address: str, suffix: str) -> float:
    return values[address] if address in values else values[address + suffix]


@pytest.mark.parametrize("source", [
    "two_neuron", "xor", "softmax_classifier", "relu_regression", "frozen_biases", "shared_bias",
    scenario_text(5, l2=0.02, frozen="[w111]"),
    scenario_text(3, output="softmax", loss="cross_entropy"),
    scenario_text(4, output="softmax", loss="half_squared_error"),
])
def test_each_gradient_is_the_mean_over_samples_of_its_paths(source, tmp_path):
    if "\n" in source:
        path = tmp_path / "s.yaml"
        path.write_text(source, encoding="utf-8")
        source = str(path)
    document = run_json(source, "--iterations", "2")
    for iteration in document["iterations"]:
        values = iteration["values"]
        samples = iteration["sample_indices"]
        suffixes = [""] if len(samples) == 1 else [f"@{s}" for s in samples]
        for name, gradient in document["gradients"].items():
            total = 0.0
            for suffix in suffixes:
                for path in gradient["paths"]:
                    total += math.prod(_factor(values, a, suffix) for a in path)
            expected = total / len(suffixes)
            if "l2" in gradient:
                assert gradient["l2"]["lambda"] == document["scenario"]["l2"]
                expected += iteration["l2"][name]
            assert values[f"dE/d{name}"] == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_weight_decay_terms_are_lambda_times_the_weights_before_the_update(tmp_path):
    run = api.run(scenario_from_text(scenario_text(4, l2=0.05)))
    document = run_document(run)
    first = document["iterations"][0]
    initial = document["scenario"]["layers"]
    assert first["l2"]["w112"] == pytest.approx(0.05 * initial[0]["weights"][0][1], rel=1e-12)
    assert first["l2"]["w223"] == pytest.approx(0.05 * initial[1]["weights"][1][2], rel=1e-12)
    assert set(first["l2"]) == {n for n, g in document["gradients"].items() if "l2" in g}


def test_a_large_batch_keeps_each_samples_z_once_and_in_order():
    run = api.run(scenario_from_text(scenario_text(MAX_ADDRESSED_SAMPLES + 1)))
    document = json.loads(json.dumps(run_document(run)))
    assert document["sample_nodes"] == ["z11", "z12", "z13", "z21", "z22"]
    for iteration, record in zip(document["iterations"], run.trace.iterations, strict=True):
        assert not any("@" in k for k in iteration["values"])
        samples = iteration["samples"]
        assert [s["index"] for s in samples] == iteration["sample_indices"]
        for s, sample in enumerate(samples):
            assert sample["nodes"] == [*record.layers[0].z[s], *record.layers[1].z[s]]
            assert sample["loss"] == record.sample_losses[s]


def test_the_json_renderer_only_assembles_what_the_solution_gives():
    import ast

    from backprop_tutor.render import json_out

    tree = ast.parse(Path(json_out.__file__).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert not {m for m in imported if "sympy" in m or m.endswith("cache") or m == "numpy"}


def test_a_document_that_is_not_of_its_type_is_written_with_a_warning():
    run = api.run(scenario_from_text(scenario_text(2)))
    document = run_document(run)
    assert dumps(document).startswith("{\n")
    document["iterations"][0]["values"]["z11"] = "text"  # type: ignore[typeddict-item]
    with pytest.warns(UserWarning):
        dumps(document)
