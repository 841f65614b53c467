"""Layers without bias (``bias: false``) and with one bias shared by their units (``bias: shared``).

Checked against Mazur's published figures ("A Step by Step Backpropagation Example", 2015), the
independent closed-form oracle (tests/oracle.py) and central finite differences, and through
every output: terminal, --explain, values, JSON, DOT, worksheet, key, variants, validate, new.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from finite_differences import central_differences
from test_errors import BASE, edit, message
from test_oracle import check_against_oracle
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.scenario.loader import scenario_from_text

EXAMPLES = Path(__file__).resolve().parent.parent / "backprop_tutor" / "examples"
MAZUR = EXAMPLES / "shared_bias.yaml"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def without_bias(text: str) -> str:
    """A scenario's text with every layer's biases taken out and ``bias: false`` put in."""
    text = re.sub(r"\n    biases: \[[^\]]*\]", "", text)
    return text.replace("    activation:", "    bias: false\n    activation:")


def test_mazur_published_figures() -> None:
    """E_total = 0.298371109, w5+ = 0.35891648, w1+ = 0.149780716 (Mazur's rounding)."""
    run = api.run(api.load(MAZUR))
    values = run.values(1)
    assert values["E"] == pytest.approx(0.298371109, abs=5e-10)
    assert values["w211+"] == pytest.approx(0.35891648, abs=5e-9)  # Mazur's w5
    assert values["w111+"] == pytest.approx(0.149780716, abs=5e-10)  # Mazur's w1
    # one b1, one b2: each gradient is the sum of its layer's δ
    assert values["dE/db2"] == pytest.approx(values["dE/dz21"] + values["dE/dz22"], rel=1e-15)
    assert values["dE/db1"] == pytest.approx(values["dE/dz11"] + values["dE/dz12"], rel=1e-15)
    assert values["b1+"] == pytest.approx(0.35 - 0.5 * values["dE/db1"], rel=1e-15)
    assert list(run.plan.parameter_index) == ["w111", "w112", "b1", "w121", "w122",
                                              "w211", "w212", "b2", "w221", "w222"]


def test_mazur_as_printed_freezes_the_biases_and_the_weights_do_not_change() -> None:
    """Mazur does not update b1 and b2; frozen, they stay, and every weight is as before."""
    text = MAZUR.read_text() + "frozen: [b1, b2]\n"
    frozen = api.run(scenario_from_text(text)).values(1)
    free = api.run(api.load(MAZUR)).values(1)
    assert frozen["b1+"] == 0.35 and frozen["b2+"] == 0.6
    assert all(frozen[k] == free[k] for k in free if k.startswith("w") and k.endswith("+"))


def test_mazur_matches_the_oracle_and_finite_differences() -> None:
    scenario = api.load(MAZUR)
    check_against_oracle(scenario)
    run = api.run(scenario)
    for engine, numeric in central_differences(run, run.trace.iterations[0]):
        assert numeric == pytest.approx(engine, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("mode", ["false", "shared"])
@pytest.mark.parametrize("name", ["xor", "tanh_network", "stochastic", "softmax_classifier"])
def test_bias_kinds_agree_with_the_oracle(name: str, mode: str) -> None:
    text = (EXAMPLES / f"{name}.yaml").read_text()
    if mode == "false":
        text = without_bias(text)
    else:  # every layer shares its first unit's bias
        text = re.sub(r"\n    biases: \[([^,\]]*)[^\]]*\]", r"\n    bias: shared\n    biases: [\1]",
                      text)
    scenario = scenario_from_text(text)
    assert all(str(layer.bias).lower() == mode for layer in scenario.layers)
    check_against_oracle(scenario, epochs=min(scenario.epochs, 3))
    run = api.run(scenario)
    for engine, numeric in central_differences(run, run.trace.iterations[0]):
        assert numeric == pytest.approx(engine, rel=1e-6, abs=1e-6)


def test_explain_shows_the_sum_over_the_units() -> None:
    result = invoke("run", str(MAZUR), "--explain", "b1", "--no-color", "--width", "120")
    assert result.exit_code == 0, result.output
    assert "∂E/∂b1 = ∂E/∂z11·∂z11/∂b1 + ∂E/∂z12·∂z12/∂b1" in result.output
    assert "shared by the 2 units" in result.output


def test_a_layer_without_bias_has_no_bias_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "nobias.yaml"
    path.write_text(without_bias(MAZUR.read_text().replace("    bias: shared\n", "")))
    run = api.run(api.load(path))
    assert list(run.plan.parameter_index) == ["w111", "w112", "w121", "w122",
                                              "w211", "w212", "w221", "w222"]
    assert not [k for k in run.values(1) if "b" in k]
    terminal = invoke("run", str(path), "--no-color", "--width", "120").output
    assert "b1" not in terminal and "∂b" not in terminal
    assert "w111·i1 + w112·i2 " in terminal  # z without a bias term
    document = json.loads(invoke("run", str(path), "--json").output)
    assert all("biases" not in layer and layer["bias"] is False
               for layer in document["scenario"]["layers"])
    assert not [k for it in document["iterations"] for k in it["values"] if "b" in k]
    invoke("run", str(path), "--dot", str(tmp_path / "g.dot"))
    assert "v_b" not in (tmp_path / "g.dot").read_text()
    for args in (["worksheet", str(path)], ["key", str(path)],
                 ["worksheet", str(path), "--format", "latex"],
                 ["key", str(path), "--format", "markdown"]):
        out = tmp_path / "out.txt"
        result = invoke(*args, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert not re.search(r"\bb_?\{?\d", out.read_text()), args


def test_shared_bias_is_shown_once(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.yaml"
    assert invoke("worksheet", str(MAZUR), "-o", str(sheet)).exit_code == 0
    answers = yaml.safe_load(sheet.read_text())["answers"]
    assert "dE/db1" in answers and "b1+" in answers and "dz12/db1" in answers
    assert not [k for k in answers if re.fullmatch(r"dE/db1\d", k)]
    document = json.loads(invoke("run", str(MAZUR), "--json").output)
    assert [layer["biases"] for layer in document["scenario"]["layers"]] == [[0.35], [0.6]]
    invoke("run", str(MAZUR), "--dot", str(tmp_path / "g.dot"))
    dot = (tmp_path / "g.dot").read_text()
    assert dot.count('"v_b1" [') == 1 and dot.count('"v_b1" -> ') == 2


def test_variants_keep_the_bias_kinds(tmp_path: Path) -> None:
    result = invoke("variants", str(MAZUR), "--count", "2", "-o", str(tmp_path / "v"))
    assert result.exit_code == 0, result.output
    for path in sorted((tmp_path / "v").glob("*.yaml")):
        if path.name.endswith(".sheet.yaml"):
            continue
        scenario = api.load(path)
        assert [layer.bias for layer in scenario.layers] == ["shared", "shared"]
        assert [len(layer.biases) for layer in scenario.layers] == [1, 1]


def test_validate_shows_the_bias_kinds() -> None:
    result = invoke("validate", str(MAZUR), "--width", "120")
    assert result.exit_code == 0, result.output
    assert "layer 1: one shared by the layer's units" in result.output


def test_new_offers_the_bias_kinds(tmp_path: Path) -> None:
    out = tmp_path / "n.yaml"
    result = invoke("new", "-o", str(out), "--layers", "2,2,1", "--bias", "shared,false")
    assert result.exit_code == 0, result.output
    scenario = api.load(out)
    assert [layer.bias for layer in scenario.layers] == ["shared", False]
    assert scenario.layers[0].biases is not None and len(scenario.layers[0].biases) == 1
    assert invoke("new", "-o", str(out), "--bias", "maybe", "--force").exit_code == 2


BIAS = "    biases: [0.1, 0.2]\n"


@pytest.mark.parametrize(("new", "expected"), [
    ("    bias: false\n" + BIAS,
     "s.yaml:8:13: layers[0].biases: layer 1 has no bias (bias: false), so it takes no biases; "
     "remove them, or remove bias: false"),
    ("    bias: shared\n" + BIAS,
     "s.yaml:8:13: layers[0].biases: layer 1 has one bias shared by its units (bias: shared), "
     "so biases must be 1 number; got 2"),
    ("    bias: sharde\n" + BIAS,
     "s.yaml:7:11: layers[0].bias: expected true (one bias per unit), shared (one bias for the "
     "layer) or false (no bias); got the text 'sharde' (did you mean shared?)"),
    ("    bias: shared\n",
     "s.yaml:4:5: layers[0]: biases are missing; give them, or add an init: section to draw "
     "them at random"),
    ("    bias: false\n    names: {biases: [c1, c2]}\n",
     "s.yaml:8:21: layers[0].names.biases: layer 1 has no bias (bias: false), so names.biases "
     "must not be given; got 2"),
])
def test_bias_errors_are_one_located_line(new: str, expected: str) -> None:
    assert message(edit(BIAS, new)) == expected


def test_a_shared_bias_is_frozen_by_its_one_name() -> None:
    text = edit(BIAS, "    bias: shared\n    biases: [0.1]\n") + "frozen: [b1]\n"
    run = api.run(scenario_from_text(text))
    assert run.values(1)["b1+"] == 0.1
    assert message(text.replace("frozen: [b1]", "frozen: [b11]")).endswith(
        "frozen[0]: no parameter is called 'b11'; did you mean b1?")
    assert scenario_from_text(BASE).layers[0].bias is True


def test_a_shared_bias_drawn_by_init_and_renamed_is_one_parameter() -> None:
    base = MAZUR.read_text()
    drawn = api.run(scenario_from_text(
        base.replace("    biases: [0.35]\n", "").replace("title:", "init: {seed: 4}\ntitle:")))
    assert drawn.trace.initial.biases[0][0] == drawn.trace.initial.biases[0][1]
    assert drawn.initial_parameters["b1"] == drawn.trace.initial.biases[0][0]
    renamed = api.run(scenario_from_text(
        base.replace("    biases: [0.35]\n", "    biases: [0.35]\n    names: {biases: [c]}\n")))
    values = renamed.values(1)
    assert values["dE/dc"] == pytest.approx(values["dE/dz11"] + values["dE/dz12"], rel=1e-15)
    assert "b1" not in renamed.plan.parameter_index
