"""Circuits through key and practice with their default precision, and the options of new that
belong to networks only."""

from __future__ import annotations

from typer.testing import CliRunner

from backprop_tutor.cli import app

PARAMETER = ("inputs: {x: 1}\nparameters: {w: 2}\nlearning_rate: 0.1\nnodes:\n  f: w * x\n"
             "output: f\n")


def test_key_of_a_circuit_with_parameters_and_exp_at_the_default_precision(tmp_path):
    for name in ("circuit_sigmoid_neuron", "circuit_add_multiply"):
        result = CliRunner().invoke(app, ["key", name])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("# Worked solution")
    path = tmp_path / "p.yaml"
    path.write_text(PARAMETER, encoding="utf-8")
    result = CliRunner().invoke(app, ["key", str(path)])
    assert result.exit_code == 0, result.output
    assert "1.9" in result.stdout  # w+ = 2 − 0.1 × 1


def test_practice_of_a_circuit_takes_an_update_after_a_wrong_try(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(PARAMETER, encoding="utf-8")
    result = CliRunner().invoke(app, ["practice", str(path), "--no-color"],
                                input="2\n1\n2\n1\n2\n1.9\n")
    assert result.exit_code == 0, result.output
    assert "✓ right: 1.9" in result.stdout
    assert "2 right at the first try, 2 after a hint, 0 missed, of 4" in result.stdout
    # the review lists what needed a hint, each with its formula and value, not a table
    assert result.stdout.endswith("To review:\n  ∂f/∂x = w = 2  (right at try 2)\n"
                                  "  w+ = w − η·∂f/∂w (η = 0.1) = 1.9  (right at try 2)\n")


def test_new_circuit_refuses_the_options_of_a_network(tmp_path):
    for option in (["--optimizer", "adam"], ["--layers", "2,2"], ["--round-digits", "3"],
                   ["--activation", "tanh"]):
        out = tmp_path / "c.yaml"
        result = CliRunner().invoke(app, ["new", "-o", str(out), "--circuit", *option])
        assert result.exit_code == 2, (option, result.output)
        assert result.stderr == (f"error: {option[0]}: {option[0]} sets up a network; a "
                                 "circuit from new --circuit takes --seed and "
                                 "--learning-rate\n")
        assert not out.exists()


def test_the_moodle_export_of_a_circuit_titles_its_sections(tmp_path):
    out = tmp_path / "c.xml"
    result = CliRunner().invoke(app, ["export", "circuit_add_multiply", "--to", "moodle",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for title in ("Forward pass", "Local gradients", "Backward pass (reverse topological order)"):
        assert f"&lt;h4&gt;{title}" in text or f"<h4>{title}" in text
    assert "&lt;h4&gt;local" not in text and "&lt;h4&gt;backward" not in text
