"""Every problem with a scenario or an answer sheet: one line with file, line, field and what."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest
from typer.testing import CliRunner

from backprop_tutor.cli import app
from backprop_tutor.errors import InputError
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.scenario.messages import field_path, known_keys
from backprop_tutor.scenario.schema import Scenario

BASE = """\
title: base
inputs: 2
layers:
  - units: 2
    activation: sigmoid
    weights: [[0.1, 0.2], [0.3, 0.4]]
    biases: [0.1, 0.2]
  - units: 1
    activation: linear
    weights: [[0.5, 0.6]]
    biases: [0.3]
data:
  - inputs: [1, 2]
    targets: [0.5]
learning_rate: 0.1
"""


def edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def message(text: str) -> str:
    with pytest.raises(InputError) as caught:
        scenario_from_text(text, "s.yaml")
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_the_base_scenario_is_valid():
    assert scenario_from_text(BASE, "s.yaml").learning_rate == 0.1


CASES = [
    # unknown keys, with a suggestion, at every level
    ("learning_rate: 0.1", "learnig_rate: 0.1",
     "s.yaml:15:1: learnig_rate: unknown key 'learnig_rate'; did you mean learning_rate?"),
    ("    biases: [0.3]\n", "    biases: [0.3]\n    wieghts: [[1, 2]]\n",
     "s.yaml:12:5: layers[1].wieghts: unknown key 'wieghts'; did you mean weights?"),
    ("    targets: [0.5]", "    target: [0.5]",
     "s.yaml:14:5: data[0].target: unknown key 'target'; did you mean targets?"),
    ("learning_rate: 0.1", "learning_rate: 0.1\ninit: {sead: 3}",
     "s.yaml:16:8: init.sead: unknown key 'sead'; did you mean seed?"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nsymbols: {wieght: v}",
     "s.yaml:16:11: symbols.wieght: unknown key 'wieght'; did you mean weight?"),
    ("    biases: [0.3]\n", "    biases: [0.3]\n    names: {baises: [c]}\n",
     "s.yaml:12:13: layers[1].names.baises: unknown key 'baises'; did you mean biases?"),
    ("    activation: linear", "    activation: {nme: relu}",
     "s.yaml:9:18: layers[1].activation.nme: unknown key 'nme'; did you mean name?"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nzzz: 1",
     "s.yaml:16:1: zzz: unknown key 'zzz'; expected one of: batch_size, data, epochs, frozen, "
     "init, inputs, l2, layers, learning_rate, loss, mode, optimizer, reduction, rounding, "
     "shuffle, shuffle_seed, symbols, teaches, title, tolerance"),
    # missing keys
    ("learning_rate: 0.1\n", "",
     "s.yaml:1:1: missing required key 'learning_rate'"),
    ("    targets: [0.5]\n", "",
     "s.yaml:13:5: data[0]: missing required key 'targets'"),
    # booleans where numbers belong
    ("learning_rate: 0.1", "learning_rate: true",
     "s.yaml:15:16: learning_rate: expected a number; got the boolean true"),
    ("    weights: [[0.5, 0.6]]", "    weights: [[0.5, false]]",
     "s.yaml:10:21: layers[1].weights[0][1]: expected a number; got the boolean false"),
    ("  - units: 1", "  - units: true",
     "s.yaml:8:12: layers[1].units: expected a whole number; got the boolean true"),
    ("learning_rate: 0.1", "learning_rate: 0.1\ninit: {seed: false}",
     "s.yaml:16:14: init.seed: expected a whole number; got the boolean false"),
    # strings where numbers belong
    ("learning_rate: 0.1", "learning_rate: '0.1'",
     "s.yaml:15:16: learning_rate: expected a number; got the text '0.1' "
     "(write numbers without quotes)"),
    ("    targets: [0.5]", "    targets: [half]",
     "s.yaml:14:15: data[0].targets[0]: expected a number; got the text 'half'"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nepochs: '10'",
     "s.yaml:16:9: epochs: expected a whole number; got the text '10' "
     "(write numbers without quotes)"),
    # NaN and infinity
    ("  - inputs: [1, 2]", "  - inputs: [.nan, 2]",
     "s.yaml:13:14: data[0].inputs[0]: expected a finite number; got .nan "
     "(NaN and infinity are not allowed)"),
    ("    biases: [0.1, 0.2]", "    biases: [0.1, -.inf]",
     "s.yaml:7:19: layers[0].biases[1]: expected a finite number; got -.inf "
     "(NaN and infinity are not allowed)"),
    ("learning_rate: 0.1", "learning_rate: .inf",
     "s.yaml:15:16: learning_rate: expected a finite number; got .inf "
     "(NaN and infinity are not allowed)"),
    # empty data and empty lists
    ("data:\n  - inputs: [1, 2]\n    targets: [0.5]\n", "data: []\n",
     "s.yaml:12:7: data: expected at least 1 sample; got an empty list"),
    ("    targets: [0.5]", "    targets: []",
     "s.yaml:14:14: data[0].targets: the output layer has 1 unit; sample 1 gives 0 targets"),
    ("data:\n  - inputs: [1, 2]\n    targets: [0.5]\n", "data:\n",
     "s.yaml:12:6: data: expected a list; got nothing"),
    # wrong types at every kind of field
    ("title: base", "title: [a, b]",
     "s.yaml:1:8: title: expected text; got a list of 2 items"),
    ("inputs: 2", "inputs: yes",
     "s.yaml:2:9: inputs: expected the number of inputs (such as 2) or a list of their names "
     "(such as [x1, x2]); got the text 'yes'"),
    ("inputs: 2", "inputs: [x1, 2x]",
     "s.yaml:2:14: inputs[1]: expected a name: a letter, then letters, digits or _ "
     "(such as w1 or h_2); got the text '2x'"),
    ("layers:\n", "layers: {units: 2}\nold_layers:\n",
     "s.yaml:4:1: old_layers: unknown key 'old_layers'; did you mean layers?"),
    ("    biases: [0.3]", "    biases: 0.3",
     "s.yaml:11:13: layers[1].biases: expected a list; got 0.3 (write [0.3] for a list of one)"),
    ("    activation: linear", "    activation: 3",
     "s.yaml:9:17: layers[1].activation: expected an activation name (such as sigmoid), or a "
     "mapping such as {name: leaky_relu, alpha: 0.1} or {expression: 'z/(1 + abs(z))'}; got 3"),
    ("    activation: linear", "    activation: {name: leaky_relu, alpha: yes}",
     "s.yaml:9:43: layers[1].activation.alpha: expected a number; got the text 'yes'"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nloss: crossentropy",
     "s.yaml:16:7: loss: expected one of: half_squared_error, squared_error, mse, "
     "binary_cross_entropy, cross_entropy; got the text 'crossentropy' "
     "(did you mean cross_entropy?)"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nmode: online",
     "s.yaml:16:7: mode: expected one of: batch, stochastic, minibatch; got the text 'online'"),
    ("learning_rate: 0.1", "learning_rate: 0.1\ninit: 42",
     "s.yaml:16:7: init: expected a mapping ('key: value' lines); got 42"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nfrozen: w111",
     "s.yaml:16:9: frozen: expected a list; got the text 'w111' (write [w111] for a list of "
     "one)"),
    ("  - units: 1", "  - units: 1.5",
     "s.yaml:8:12: layers[1].units: expected a whole number; got 1.5"),
    # values out of range
    ("learning_rate: 0.1", "learning_rate: 0",
     "s.yaml:15:16: learning_rate: expected a number greater than 0; got 0"),
    ("  - units: 1", "  - units: 0",
     "s.yaml:8:12: layers[1].units: expected 1 or more; got 0"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nl2: -0.5",
     "s.yaml:16:5: l2: expected 0 or more; got -0.5"),
    # shapes
    ("    weights: [[0.5, 0.6]]", "    weights: [[0.5, 0.6], [0.1, 0.2]]",
     "s.yaml:10:14: layers[1].weights: layer 2 has 1 unit and 2 inputs, so weights must be "
     "1 row of 2 numbers; got 2 rows"),
    ("    weights: [[0.1, 0.2], [0.3, 0.4]]", "    weights: [[0.1, 0.2], [0.3]]",
     "s.yaml:6:27: layers[0].weights[1]: layer 1 has 2 units and 2 inputs, so weights must be "
     "2 rows of 2 numbers; row 2 has 1 number"),
    ("    biases: [0.1, 0.2]", "    biases: [0.1]",
     "s.yaml:7:13: layers[0].biases: layer 1 has 2 units, so biases must be 2 numbers; got 1"),
    ("  - inputs: [1, 2]", "  - inputs: [1, 2, 3]",
     "s.yaml:13:13: data[0].inputs: the network has 2 inputs; sample 1 gives 3"),
    # names, frozen, combinations
    ("learning_rate: 0.1", "learning_rate: 0.1\nfrozen: [w221]",
     "s.yaml:16:10: frozen[0]: no parameter is called 'w221'; did you mean w212?"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nfrozen: [q]",
     "s.yaml:16:10: frozen[0]: no parameter is called 'q'; the parameters are w111, w112, "
     "b11, w121, w122, b12, w211, w212, b21"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nsymbols: {activation: z}",
     "s.yaml:16:10: symbols: the name 'z11' is given to the net input of layer 1 unit 1 and "
     "to the activation of layer 1 unit 1; names must be unique (check symbols: and the "
     "layers' names:)"),
    ("learning_rate: 0.1", "learning_rate: 0.1\nmode: minibatch",
     "s.yaml:16:7: mode: mode minibatch needs a batch_size (the samples in each update), "
     "such as batch_size: 2"),
    ("    activation: linear", "    activation: sigmod",
     "s.yaml:9:17: layers[1].activation: unknown activation 'sigmod'; did you mean sigmoid?"),
    ("    weights: [[0.1, 0.2], [0.3, 0.4]]\n    biases: [0.1, 0.2]\n", "",
     "s.yaml:4:5: layers[0]: weights are missing; give them, or add an init: section to draw "
     "them at random"),
    ("learning_rate: 0.1", "learning_rate: 0.1\ninit: {low: 0.5, high: -0.5}",
     "s.yaml:16:24: init.high: init.high must be greater than init.low; got low 0.5 and "
     "high -0.5"),
    ("learning_rate: 0.1", "learning_rate: 0.1\ninit: {seed: -1}",
     "s.yaml:16:14: init.seed: expected a seed of 0 or more; got -1"),
    ("learning_rate: 0.1", "learning_rate: 0.1\ninit: {low: -1.0e+308, high: 1.0e+308}",
     "s.yaml:16:30: init.high: init.low and init.high are too far apart to draw numbers "
     "between them; got low -1e+308 and high 1e+308"),
    # the YAML itself
    ("learning_rate: 0.1", "learning_rate: 0.1\nlearning_rate: 0.2",
     "s.yaml:16:1: duplicate key 'learning_rate' (first at line 15)"),
    ("    biases: [0.3]", "\tbiases: [0.3]",
     "s.yaml:11:1: tabs are not allowed for indentation; use spaces"),
    ("learning_rate: 0.1", "learning_rate: !!float 0.1",
     "s.yaml:15:16: tags are not allowed (found '!!float')"),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES,
                         ids=[expected.split(": ", 2)[-1][:40] for _, _, expected in CASES])
def test_message(old, new, expected):
    assert message(edit(old, new)) == expected


def test_every_case_is_a_different_message():
    assert len({expected for _, _, expected in CASES}) == len(CASES)


def test_known_keys_of_nested_models():
    assert known_keys(Scenario, ("layers", 0, "names")) == [
        "activations", "biases", "net", "weights"]
    assert known_keys(Scenario, ("init",)) == ["high", "low", "method", "seed"]
    assert "activation" in known_keys(Scenario, ("symbols",))
    assert known_keys(Scenario, ("data", 0)) == ["inputs", "targets"]
    assert {"name", "alpha", "expression"} <= set(
        known_keys(Scenario, ("layers", 3, "activation")))


def test_field_path():
    assert field_path(("layers", 1, "weights", 0, 2)) == "layers[1].weights[0][2]"
    assert field_path(()) == ""


SHEET_CASES = [
    ("answres: {}\n", "s.sheet.yaml:1:1: answres: unknown key 'answres'; did you mean answers?"),
    ("answers:\n  a1: true\n",
     "s.sheet.yaml:2:7: answers.a1: expected a number, or nothing for a question left blank; "
     "got the boolean true"),
    ("answers:\n  a1: .inf\n",
     "s.sheet.yaml:2:7: answers.a1: expected a finite number; got .inf "
     "(NaN and infinity are not allowed)"),
    ("answers:\n  a1: [0.5]\n",
     "s.sheet.yaml:2:7: answers.a1: expected a number, or nothing for a question left blank; "
     "got a list of 1 item"),
    ("iteration: 0\nanswers: {}\n", "s.sheet.yaml:1:12: iteration: expected 1 or more; got 0"),
    ("iteration: '2'\nanswers: {}\n",
     "s.sheet.yaml:1:12: iteration: expected a whole number; got the text '2' "
     "(write numbers without quotes)"),
    ("student: ada\n", "s.sheet.yaml:1:1: missing required key 'answers'"),
    ("answers:\n  a1: 0.5\n  a1: 0.6\n", "s.sheet.yaml:3:3: duplicate key 'a1' (first at line 2)"),
]


@pytest.mark.parametrize(("text", "expected"), SHEET_CASES)
def test_sheet_message(text, expected):
    with pytest.raises(InputError) as caught:
        sheet_from_text(text, "s.sheet.yaml")
    assert str(caught.value) == expected


@pytest.mark.parametrize(("old", "new", "expected"), CASES[::6])
def test_cli_prints_one_line_and_exits_2(tmp_path, old, new, expected):
    path = tmp_path / "s.yaml"
    path.write_text(edit(old, new), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {path.parent}/{expected}\n"
    assert "Traceback" not in result.stderr


def test_cli_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(edit("learning_rate: 0.1", "learning_rate: true"), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: ")


def test_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["run", str(tmp_path / "nope.yaml"), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith("nope.yaml: no such file\n")


# --- numerics: divergence, log(0), overflow ----------------------------------------------------

DIVERGES = """\
inputs: 1
layers:
  - units: 1
    activation: linear
    weights: [[0.5]]
    biases: [0.1]
data:
  - inputs: [3]
    targets: [1]
learning_rate: 10
epochs: 500
"""
SATURATED = """\
inputs: 1
layers:
  - units: 1
    activation: sigmoid
    weights: [[50]]
    biases: [0]
data:
  - inputs: [1]
    targets: [0]
loss: binary_cross_entropy
learning_rate: 0.1
epochs: 3
"""
OVERFLOWS = """\
inputs: 1
layers:
  - units: 2
    activation: sigmoid
    weights: [[-1000], [1000]]
    biases: [0, 0]
  - units: 1
    activation: softplus
    weights: [[800, 800]]
    biases: [0]
data:
  - inputs: [1]
    targets: [0]
learning_rate: 0.1
epochs: 2
"""


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def run_cli(tmp_path, text: str, *args: str):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(app, ["run", str(path), *args])


def test_divergence_stops_with_a_note_and_strict_json(tmp_path):
    result = run_cli(tmp_path, DIVERGES, "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout, parse_constant=_no_constants)
    final = document["final"]
    assert final["stop_reason"] == "diverged"
    assert final["epochs"] < 500
    assert final["loss"] is None
    assert result.stderr == (
        f"note: the loss became infinite at iteration {final['iterations']} (epoch "
        f"{final['epochs']}), after {final['iterations'] - 1} updates: training stopped there "
        "(stop_reason: diverged). Each update overshot further; the learning rate 10 is "
        "probably too high: try 1\n")


def test_divergence_in_the_terminal_exits_0(tmp_path):
    result = run_cli(tmp_path, DIVERGES, "--no-color", "--width", "100")
    assert result.exit_code == 0
    assert "learning rate 10 is probably too high" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_saturated_sigmoid_under_binary_cross_entropy_trains_on(tmp_path):
    # issue 16 §7: z = 50 rounds σ(z) to 1; the loss from the logit is softplus(50) = 50 and
    # ∂E/∂z is its limit a − T = 1, where the textbook formulas took log(0) and 0/0
    result = run_cli(tmp_path, SATURATED, "--json")
    assert result.exit_code == 0 and result.stderr == ""
    document = json.loads(result.stdout, parse_constant=_no_constants)
    assert document["final"]["stop_reason"] == "epochs"
    first = document["iterations"][0]
    assert first["loss"] == 50.0
    assert document["final"]["parameters"]["w1"] == pytest.approx(50 - 3 * 0.1, abs=1e-12)


def test_the_loss_of_the_initial_parameters_does_not_blame_the_learning_rate(tmp_path):
    # issue 16 §7: at iteration 1 no update has happened yet
    result = run_cli(tmp_path, OVERFLOWS, "--json")
    assert result.exit_code == 0
    assert result.stderr == (
        "note: the loss is infinite at iteration 1 (epoch 1), before any update, so the "
        "learning rate plays no part: the output a21 of sample 1 is infinite (z = 800); "
        "training stopped there (stop_reason: diverged). Smaller initial weights or inputs "
        "keep the values finite\n")


def test_a_loss_that_overflows_alone_is_not_called_a_parameter(tmp_path):
    text = DIVERGES.replace("[[0.5]]", "[[1e150]]").replace("[3]", "[1e10]").replace(
        "targets: [1]", "targets: [0]")
    result = run_cli(tmp_path, text, "--json")
    assert result.exit_code == 0
    assert "the outputs are finite (the largest is 1e+160 in size) but the loss overflowed " \
        "floating point" in result.stderr
    assert "parameter" not in result.stderr and "learning rate 10" not in result.stderr


def test_a_parameter_that_overflows_after_a_finite_loss_is_named(tmp_path):
    text = DIVERGES.replace("[[0.5]]", "[[1]]").replace("[3]", "[1e154]").replace(
        "targets: [1]", "targets: [0]").replace("biases: [0.1]", "biases: [0]")
    result = run_cli(tmp_path, text, "--json")
    assert result.exit_code == 0
    assert result.stderr == (
        "note: the update of iteration 1 (epoch 1) made the parameter w1 −infinite, while the "
        "loss before it was still finite (5e+307): training stopped there (stop_reason: "
        "diverged). The step η·∂E/∂p overshot; the learning rate 10 is probably too high: "
        "try 1\n")


@pytest.mark.parametrize("args", [["--json"], ["--no-color", "--width", "100"]])
def test_overflow_prints_no_warnings(tmp_path, args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_cli(tmp_path, OVERFLOWS, *args)
    assert result.exit_code == 0, result.stderr
    assert "Warning" not in result.stderr
    if args == ["--json"]:
        json.loads(result.stdout, parse_constant=_no_constants)


def test_overflow_prints_no_warnings_in_a_process(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(OVERFLOWS, encoding="utf-8")
    done = subprocess.run([sys.executable, "-W", "error", "-m", "backprop_tutor", "run",
                           str(path), "--no-color"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr


def test_suggestions_name_the_closest_options():
    from backprop_tutor.errors import close_names, did_you_mean
    from backprop_tutor.maths.catalog import NAMES

    assert close_names("sigmoidd", NAMES) == ("sigmoid",)
    assert close_names("zzz", NAMES) == ()
    assert close_names("w11", ["b2", "w12", "w111"], most=2, cutoff=0.5) == ("w111", "w12")
    assert did_you_mean(("w12", "w21")) == "did you mean w12 or w21?"
    assert did_you_mean(()) == ""


def test_names_that_are_functions_of_the_formulas_are_refused(tmp_path):
    """A node named exp once shadowed exp() in its formulas and turned error carried forward
    off without a word: such names are refused."""
    from backprop_tutor.maths.expression import FUNCTIONS
    from backprop_tutor.scenario.loader import load_scenario, reserved

    assert all(reserved(name) for name in FUNCTIONS)
    for name in ("exp", "e", "pi", "maximum", "lambda", "sigmoid"):
        path = tmp_path / f"{name}.yaml"
        path.write_text("inputs: 1\nlayers:\n  - {units: 1, weights: [[0.15]], biases: [0.4]}\n"
                        "  - {units: 1, weights: [[0.45]], biases: [0.65], "
                        f"names: {{net: [{name}]}}}}\n"
                        "data:\n  - {inputs: [0.1], targets: [0.25]}\nlearning_rate: 0.4\n")
        with pytest.raises(InputError, match=f"the name '{name}' of the net input of layer 2 "
                                             "unit 1 is a function or constant"):
            load_scenario(path)
    assert not reserved("h21") and not reserved("net")


@pytest.mark.parametrize(("text", "where"), [
    ("inputs: [x, exp]\nlayers:\n  - {units: 1, weights: [[0.1, 0.2]], biases: [0.4]}\n"
     "data:\n  - {inputs: [0.1, 0.2], targets: [0.25]}\nlearning_rate: 0.4\n",
     "n.yaml:1:13: inputs[1]: the name 'exp' of input 2"),
    ("inputs: 1\nlayers:\n  - {units: 1, weights: [[0.15]], biases: [0.4]}\n"
     "  - {units: 1, weights: [[0.45]], biases: [0.65],\n     names: {net: [log]}}\n"
     "data:\n  - {inputs: [0.1], targets: [0.25]}\nlearning_rate: 0.4\n",
     "n.yaml:5:20: layers[1].names.net[0]: the name 'log' of the net input of layer 2"),
    ("inputs: 1\nsymbols: {loss: e}\nlayers:\n  - {units: 1, weights: [[0.15]], "
     "biases: [0.4]}\ndata:\n  - {inputs: [0.1], targets: [0.25]}\nlearning_rate: 0.4\n",
     "n.yaml:2:10: symbols: the name 'e' of the loss"),
])
def test_a_refused_name_is_located_where_it_is_written(tmp_path, text, where):
    """A reserved name is reported at the line that writes it (it was once at 'layers:')."""
    from backprop_tutor.scenario.loader import load_scenario

    path = tmp_path / "n.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}/{where}"), message
    assert message.endswith("is a function or constant the formulas use; choose another "
                            "(check symbols: and the layers' names:)")
