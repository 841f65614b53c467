"""The run command through the real entry point: exit codes, stdout/stderr, JSON, --explain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
TWO = str(SCENARIOS / "two_neuron.yaml")
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_run_shows_every_section_of_iteration_1():
    result = invoke("run", TWO, "--no-color", "--width", "120")
    assert result.exit_code == 0, result.output
    for heading in ("Forward pass", "Loss", "local derivatives", "Gradients", "Updates"):
        assert heading in result.stdout
    assert "0.45 − 0.4 × 0.05707" in result.stdout
    assert "0.4272" in result.stdout


def test_json_is_one_document_with_the_contract():
    result = invoke("run", TWO, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 2
    assert set(doc) >= {"scenario", "iterations", "final", "history"}
    first = doc["iterations"][0]
    assert first["iteration"] == 1
    assert first["loss"] == first["values"]["E"]
    assert first["values"]["w2+"] == pytest.approx(0.45 - 0.4 * first["values"]["dE/dw2"])
    assert doc["gradients"]["w1"]["paths"] == [["dE/da2", "da2/dz2", "dz2/da1", "da1/dz1",
                                                "dz1/dw1"]]
    assert doc["factors"]["da2/dz2"]["expression"] == "a2*(1 - a2)"
    assert first["values"]["da2/dz2"] == first["values"]["a2"] * (1 - first["values"]["a2"])
    assert doc["final"]["stop_reason"] == "epochs"
    assert set(doc["final"]["parameters"]) == {"w1", "b1", "w2", "b2"}


def test_json_has_no_colour_codes_even_when_forced():
    result = runner.invoke(app, ["run", TWO, "--json"], color=True)
    assert "\x1b[" not in result.stdout


def test_explain_shows_the_whole_chain_of_w1():
    result = invoke("run", TWO, "--explain", "w1", "--no-color", "--width", "120")
    assert result.exit_code == 0
    out = result.stdout
    assert "∂E/∂w1 = ∂E/∂a2·∂a2/∂z2·∂z2/∂a1·∂a1/∂z1·∂z1/∂w1" in out
    for derivative in ("−(T − a2)", "a2(1 − a2)", "w2", "a1(1 − a1)", "x1"):
        assert derivative in out
    assert "0.001021" in out
    assert "w1 ← w1 − η·∂E/∂w1 = 0.15 − 0.4 × 0.001021 = 0.1496" in out


def test_explain_sums_over_paths_in_a_wider_network():
    result = invoke("run", str(SCENARIOS / "house_price.yaml"), "--explain", "w111",
                    "--no-color", "--width", "160")
    assert result.exit_code == 0
    assert "∂L/∂w111 = ∂L/∂h21·∂h21/∂z21·∂z21/∂h11·∂h11/∂z11·∂z11/∂w111" in result.stdout


def test_unknown_parameter_exits_2_with_suggestion():
    result = invoke("run", TWO, "--explain", "w3")
    assert result.exit_code == 2
    assert "did you mean" in result.stderr and "w1, b1, w2, b2" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("learning_rate: 0.4\n", "missing required key"),
    ("inputs: [x1]\nlayers: [{units: 1, weights: [[1]], biases: [0]}]\n"
     "data: [{inputs: [1], targets: [0]}]\nlearning_rate: 0.1\nlearnig_rate: 2\n",
     "did you mean learning_rate"),
    ("inputs: [x1\n", "YAML syntax error"),
])
def test_bad_scenarios_exit_2_with_one_line(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = invoke("run", str(path), "--json")
    assert result.exit_code == 2
    assert expected in result.stderr
    assert str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_2(tmp_path):
    result = invoke("run", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr


def test_epochs_override_and_history():
    result = invoke("run", TWO, "--json", "--epochs", "5", "--iterations", "2")
    doc = json.loads(result.stdout)
    assert doc["final"]["epochs"] == 5
    assert len(doc["history"]) == 5
    assert [it["iteration"] for it in doc["iterations"]] == [1, 2, 5]
    # the loss of each epoch is the loss of its (full-batch) iteration
    assert doc["history"][1] == pytest.approx(doc["iterations"][1]["loss"], rel=1e-15)


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", "run", TWO, "--json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["final"]["epochs"] == 1


@pytest.mark.parametrize("command", ["run", "validate", "show", "practice"])
def test_the_loss_formula_is_written_in_the_scenarios_letters(command):
    # house_price writes h for activations, y for the target and L for the loss
    result = runner.invoke(app, [command, "house_price", "--no-color", "--width", "120"],
                           input="q\n")
    assert result.exit_code == 0, result.output
    assert "half_squared_error: L = (1/m) Σ_s ½ Σ_k (y − h)²" in result.stdout
    assert "Σ_k (T − a)" not in result.stdout
