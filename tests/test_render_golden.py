"""Snapshot tests: what the terminal shows, at fixed widths and without colour.

The golden files under tests/golden/ are written by the tool itself: to accept a deliberate
change of the output, run ``UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render_golden.py`` and
review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.cli import app

GOLDEN = Path(__file__).resolve().parent / "golden"
XOR = str(GOLDEN / "xor_batch.yaml")
DEEP = str(GOLDEN / "deep_delta.yaml")  # 2-3-3-3: nine paths to a first-layer weight
FAN_OUT = str(GOLDEN / "circuit_fan_out.yaml")  # new --circuit --seed 5: x used twice, max
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
runner = CliRunner()

CASES = {
    "run_two_neuron_w100": ["run", "two_neuron", "--width", "100"],
    "run_house_price_w80": ["run", "house_price", "--width", "80"],
    "run_house_price_w40": ["run", "house_price", "--width", "40"],
    "run_two_neuron_epochs3_w100": ["run", "two_neuron", "--epochs", "3", "--iterations", "2",
                                    "--width", "100"],
    "run_xor_batch_w80": ["run", XOR, "--width", "80"],
    "run_xor_batch_w100": ["run", XOR, "--width", "100"],
    "explain_house_price_w111_w80": ["run", "house_price", "--explain", "w111", "--width", "80"],
    "explain_xor_batch_w111_w100": ["run", XOR, "--explain", "w111", "--width", "100"],
    "show_house_price_w100": ["show", "house_price", "--width", "100"],
    "show_house_price_w40": ["show", "house_price", "--width", "40"],
    "validate_two_neuron_w100": ["validate", "two_neuron", "--width", "100"],
    "run_relu_regression_l2_w100": ["run", "relu_regression", "--width", "100"],
    "explain_relu_regression_w211_w100": ["run", "relu_regression", "--explain", "w211",
                                          "--width", "100"],
    "explain_softmax_w111_w100": ["run", "softmax_classifier", "--explain", "w111",
                                  "--width", "100"],
    "run_frozen_biases_w100": ["run", "frozen_biases", "--width", "100"],
    "run_random_init_w100": ["run", "random_init", "--width", "100"],
    "explain_deep_delta_w112_w100": ["run", DEEP, "--explain", "w112", "--width", "100"],
    "explain_of_deep_delta_a31_w112_w100": ["run", DEEP, "--explain", "w112", "--of", "a31",
                                            "--width", "100"],
    "explain_input_house_price_x1_w100": ["run", "house_price", "--explain", "x1",
                                          "--width", "100"],
    "run_circuit_add_multiply_w80": ["run", "circuit_add_multiply", "--width", "80"],
    "run_circuit_sigmoid_neuron_w100": ["run", "circuit_sigmoid_neuron", "--width", "100"],
    "explain_circuit_sigmoid_neuron_w0_w100": ["run", "circuit_sigmoid_neuron", "--explain",
                                               "w0", "--width", "100"],
    "run_circuit_fan_out_w100": ["run", FAN_OUT, "--width", "100"],
    "explain_circuit_fan_out_x_w100": ["run", FAN_OUT, "--explain", "x", "--width", "100"],
    "run_momentum_iterations3_w100": ["run", "momentum", "--iterations", "3", "--width", "100"],
    "explain_adam_w111_w100": ["run", "adam", "--explain", "w111", "--width", "100"],
    # the size of δ and ∂E/∂w per layer: fading with sigmoid, of the same order with tanh
    "run_deep_sigmoid_w80": ["run", "deep_sigmoid", "--width", "80"],
    "run_deep_tanh_w80": ["run", "deep_tanh", "--width", "80"],
}


def rendered(args: list[str]) -> str:
    """The tool's output for ``args`` without colour (the golden files are made by this)."""
    result = runner.invoke(app, [*args, "--no-color"])
    assert result.exit_code == 0, result.output
    # the XOR file's location differs between checkouts; the golden text names it relatively
    return result.stdout.replace(str(GOLDEN), "tests/golden")


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_golden(name: str) -> None:
    text = rendered(CASES[name])
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def test_no_golden_file_is_orphaned() -> None:
    names = {p.stem for p in GOLDEN.glob("*.txt")}
    assert names == set(CASES)
