"""The derivative of any node by a parameter or an input (``--explain V --of N``).

Every node/parameter and node/input pair of the shipped scenarios and of random small networks
is checked against the node's closed form differentiated by sympy directly (tests/oracle.py: no
chain rule, no paths) and against central finite differences of the engine's forward pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import yaml
from finite_differences import node_difference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import CUSTOM, IEEE_FUNCTIONS, Oracle, sample_loss
from typer.testing import CliRunner

from backprop_tutor import api, examples
from backprop_tutor.cli import app
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.scenario.names import network_names
from backprop_tutor.solution.node_lines import node_names, variable_names

EXAMPLES = Path(__file__).resolve().parent.parent / "backprop_tutor" / "examples"
# the network examples worked exactly: not keys or circuits, nor a trace rounded as by hand,
# whose numbers are not the exact derivatives; every pair of the two ten-layer networks takes
# sympy minutes: a deep network's own errors are checked below
# (test_a_deep_network_uses_the_errors_of_the_node)
SHIPPED = [n for n in examples.network_names() if api.load(n).rounding is None
           and n not in ("deep_sigmoid", "deep_tanh")]
runner = CliRunner()

# the network of a question-and-answer thread: 1-1-2-1, sigmoid, every weight 0.5, every bias 1,
# input 1. ∂O/∂w1 has two paths, through each unit of the middle layer; the asker's answer, four
# times this, left out the weights w2·w4 and w3·w5 of the two paths
QUESTION = """\
title: two paths from the output to the first weight
inputs: [x1]
layers:
  - {units: 1, activation: sigmoid, weights: [[0.5]], biases: [1]}
  - {units: 2, activation: sigmoid, weights: [[0.5], [0.5]], biases: [1, 1]}
  - {units: 1, activation: sigmoid, weights: [[0.5, 0.5]], biases: [1]}
data:
  - {inputs: [1], targets: [0]}
loss: half_squared_error
learning_rate: 0.1
epochs: 1
"""


def invoke(*args: str):
    return runner.invoke(app, list(args))


def closed_form(scenario) -> tuple[dict[str, sp.Expr], dict[str, sp.Symbol], list[sp.Symbol],
                                  list[sp.Symbol]]:
    """(node name → its closed form in the inputs and parameters, variable name → its symbol,
    the input symbols, the target symbols), from the oracle's own forward pass."""
    oracle = Oracle(scenario)
    names = network_names(scenario)
    xs = [sp.Symbol(f"x_{i}", real=True) for i in range(scenario.input_count)]
    ts = [sp.Symbol(f"t_{k}", real=True) for k in range(scenario.layers[-1].units)]
    nodes: dict[str, sp.Expr] = {}
    variables: dict[str, sp.Symbol] = dict(zip(names.inputs, xs, strict=True))
    layers = oracle.layers(xs)
    for k, ((zs, acts), layer) in enumerate(zip(layers, names.layers, strict=True)):
        for j in range(len(zs)):
            nodes[layer.net[j]] = zs[j]
            nodes[layer.activations[j]] = acts[j]
            for i, w in enumerate(layer.weights[j]):
                variables[w] = oracle.symbols[k][j][i]
            bias = layer.unit_bias(j)
            if bias is not None:
                variables[bias] = oracle._bias(k, j)
    nodes[names.loss] = sample_loss(scenario.loss, layers[-1][1], ts)
    return nodes, variables, xs, ts


def oracle_values(run, record, node_forms, variables, xs, ts, node, variable) -> np.ndarray:
    """∂node/∂variable by sympy on the closed form, at each sample of the iteration (evaluated
    in double precision, as the oracle of the loss is)."""
    d = sp.diff(node_forms[node], variables[variable])
    parameters = {}
    for layer, names in zip(record.layers, network_names(run.scenario).layers, strict=True):
        for j, (row, bias) in enumerate(zip(names.weights, names.unit_biases, strict=True)):
            for i, w in enumerate(row):
                parameters[variables[w]] = float(layer.weights[j, i])
            if bias is not None:
                parameters[variables[bias]] = float(layer.biases[j])
    symbols = [*parameters, *xs, *ts]
    f = sp.lambdify(symbols, d, modules=[IEEE_FUNCTIONS, "math"], cse=True, use_imps=False)
    with np.errstate(all="ignore"):
        return np.array([float(f(*parameters.values(), *record.inputs[s], *record.targets[s]))
                         for s in range(len(record.samples))])


def tool_values(run, record, node, variable) -> np.ndarray:
    derivative = run.node_derivative(node, variable)
    if derivative.form == "zero":
        return np.zeros(len(record.samples))
    return np.array(run.node_lines(record, node, variable)[-1].values)


def check_every_pair(run, *, nodes=None, differences=True) -> None:
    record = run.trace.iterations[0]
    forms, variables, xs, ts = closed_form(run.scenario)
    kinked = _near_a_kink(run, record)
    for node in nodes or node_names(run.plan):
        for variable in variable_names(run.plan):
            mine = tool_values(run, record, node, variable)
            theirs = oracle_values(run, record, forms, variables, xs, ts, node, variable)
            np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12,
                                       err_msg=f"∂{node}/∂{variable}")
            if differences and not kinked:
                numeric = node_difference(run, record, node, variable)
                np.testing.assert_allclose(mine, numeric, rtol=1e-5, atol=1e-6,
                                           err_msg=f"∂{node}/∂{variable} (differences)")


def _near_a_kink(run, record) -> bool:
    """Whether a ReLU's z is so close to 0 that a difference step crosses the kink."""
    for spec, layer in zip(run.scenario.layers, record.layers, strict=True):
        name = getattr(spec.activation, "name", spec.activation)
        if name in ("relu", "leaky_relu") and np.any(np.abs(layer.z) < 1e-4):
            return True
    return False


def test_the_two_path_question_has_both_paths() -> None:
    run = api.run(scenario_from_text(QUESTION))
    record = run.record(1)
    derivative = run.node_derivative("a31", "w111")
    assert (derivative.path_count, derivative.form) == (2, "paths")
    (value,) = run.node_lines(record, "a31", "w111")[-1].values
    assert value == pytest.approx(0.0014291881022, abs=1e-13)
    check_every_pair(run)
    with_one_path = run.node_lines(record, "a31", "w111")[-1]
    assert with_one_path.printed.text.count("·∂z11/∂w111") == 2  # each path, with its weights


def test_the_question_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "question.yaml"
    path.write_text(QUESTION)
    result = invoke("run", str(path), "--explain", "w111", "--of", "a31", "--no-color",
                    "--width", "100", "--precision", "11")
    assert result.exit_code == 0, result.output
    assert "a sum over the 2 paths from a31 to w111: each path contributes" in result.stdout
    assert result.stdout.rstrip().endswith("∂a31/∂w111 = 0.0014291881022")
    written = invoke("run", str(path), "--explain", "∂a31/∂w111", "--no-color", "--width", "100",
                     "--precision", "11")
    assert written.stdout == result.stdout


@pytest.mark.parametrize("name", SHIPPED)
def test_every_pair_of_the_shipped_scenarios(name: str) -> None:
    check_every_pair(api.run(api.load(EXAMPLES / f"{name}.yaml")))


# past EXPAND_LIMIT paths: the derivative of a z or an a through its own errors ∂N/∂z (a31 by
# w111: through each z of the softmax layer, then each unit of layer 2: 9 paths)
DEEP = {
    "inputs": 2,
    "layers": [
        {"units": 3, "activation": "tanh",
         "weights": [[0.3, -0.2], [0.5, 0.1], [-0.4, 0.2]], "biases": [0.1, -0.1, 0.2]},
        {"units": 3, "activation": "sigmoid", "bias": "shared",
         "weights": [[0.2, -0.3, 0.4], [0.1, 0.5, -0.2], [-0.3, 0.2, 0.1]], "biases": [0.05]},
        {"units": 3, "activation": "softmax",
         "weights": [[0.4, 0.1, -0.5], [-0.2, 0.3, 0.2], [0.1, -0.1, 0.3]],
         "biases": [0.1, -0.3, 0.2]},
    ],
    "data": [{"inputs": [0.5, -1.2], "targets": [1, 0, 0]},
             {"inputs": [-0.3, 0.8], "targets": [0, 0.5, 0.5]}],
    "loss": "half_squared_error", "learning_rate": 0.1, "epochs": 1,
}


def test_a_deep_network_uses_the_errors_of_the_node() -> None:
    run = api.run(scenario_from_text(yaml.safe_dump(DEEP)))
    assert run.node_derivative("a31", "w111").form == "delta"
    assert run.node_derivative("a31", "x1").path_count == 3 * 3 * 3
    assert run.node_derivative("E", "x1").form == "delta"
    assert run.node_derivative("z31", "w111").form == "paths"
    check_every_pair(run)


@pytest.mark.parametrize("node", ["a21", "z21"])
def test_a_node_below_the_parameter_is_zero_and_says_why(node: str) -> None:
    result = invoke("run", "house_price", "--explain", "w111", "--of", "h11", "--no-color")
    assert result.exit_code == 0
    run = api.run(scenario_from_text(QUESTION))
    derivative = run.node_derivative(node, "w311")
    assert derivative.form == "zero" and "computed in layer 2" in derivative.note
    result = invoke("run", "two_neuron", "--explain", "w2", "--of", "a1", "--no-color",
                    "--width", "200")
    assert result.exit_code == 0
    assert "∂a1/∂w2 = 0" in result.stdout and "no path leads from a1 down to w2" in result.stdout


def test_a_sibling_unit_is_zero_and_says_why() -> None:
    run = api.run(scenario_from_text(QUESTION))
    derivative = run.node_derivative("a22", "w211")
    assert derivative.form == "zero"
    assert derivative.note.startswith("w211 enters only z21, and a22 is computed from z22")


def test_the_loss_by_a_parameter_is_the_explain_view_unchanged() -> None:
    plain = invoke("run", "house_price", "--explain", "w111", "--no-color")
    assert invoke("run", "house_price", "--explain", "w111", "--of", "L", "--no-color").stdout \
        == plain.stdout


def test_the_loss_by_an_input_is_each_samples_own() -> None:
    result = invoke("run", "xor", "--explain", "x1", "--no-color", "--width", "120")
    assert result.exit_code == 0, result.output
    assert "one value per sample: each sample has its own loss E" in result.stdout
    assert "x1 is an input, not a parameter: nothing is updated" in result.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (["--explain", "w111", "--of", "h31"],
     "error: --of: no node is called 'h31'; did you mean h21? valid names: L, z11, h11"),
    (["--explain", "x3", "--of", "h21"],
     "error: --explain: no parameter or input is called 'x3'; did you mean x2? valid names: "
     "w111"),
    (["--of", "h21"], "error: --of: --of names the node whose derivative --explain shows"),
    (["--explain", "dh21/dw111", "--of", "h11"],
     "error: --of: --explain dh21/dw111 is a derivative of h21, but --of names h11"),
])
def test_wrong_names_are_one_located_line(args: list[str], expected: str) -> None:
    result = invoke("run", "house_price", *args, "--no-color")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(expected), result.stderr
    assert result.stderr.count("\n") == 1


def test_json_still_refuses_explain() -> None:
    result = invoke("run", "house_price", "--json", "--explain", "x1", "--of", "h21")
    assert result.exit_code == 2 and "does not go with --json" in result.stderr


def test_the_api_explains_any_node() -> None:
    run = api.run(api.load("house_price"))
    explanation = run.explain("x1", of="h21")
    lines = explanation.lines()
    assert lines[-1].address == "dh21/dx1"
    assert lines[-1].values[0] == pytest.approx(
        tool_values(run, run.record(1), "h21", "x1")[0], rel=0, abs=0)
    with pytest.raises(KeyError, match="no node is called 'q'"):
        run.explain("x1", of="q")


# small random networks: every activation and loss, every bias kind, batches of 1-3 samples
ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear", "softplus", "leaky_relu", "custom"]
LOSSES = ["half_squared_error", "squared_error", "mse", "binary_cross_entropy", "cross_entropy"]
value = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def small_networks(draw) -> dict:
    n_in = draw(st.integers(1, 2))
    widths = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(1, 3)))]
    loss = draw(st.sampled_from(LOSSES))
    if loss == "cross_entropy":
        output = "softmax"
    elif loss == "binary_cross_entropy":
        output = draw(st.sampled_from(["sigmoid", "softmax"]))
    else:
        output = draw(st.sampled_from([*ACTIVATIONS, "softmax"]))
    if output == "softmax":
        widths[-1] = max(widths[-1], 2)
    layers, fan = [], n_in
    for i, units in enumerate(widths):
        name = output if i == len(widths) - 1 else draw(st.sampled_from(ACTIVATIONS))
        if name == "custom":
            activation = {"expression": draw(st.sampled_from(sorted(CUSTOM)))}
        elif name == "leaky_relu":
            activation = {"name": "leaky_relu", "alpha": 0.1}
        else:
            activation = name
        bias = draw(st.sampled_from([True, False, "shared"]))
        layer = {"units": units, "activation": activation, "bias": bias,
                 "weights": [[draw(value) for _ in range(fan)] for _ in range(units)]}
        if bias is not False:
            layer["biases"] = [draw(value) for _ in range(units if bias is True else 1)]
        layers.append(layer)
        fan = units
    k = widths[-1]
    data = []
    for _ in range(draw(st.integers(1, 3))):
        if loss == "cross_entropy":
            targets = [0.0] * k
            targets[draw(st.integers(0, k - 1))] = 1.0
        elif loss == "binary_cross_entropy":
            targets = [draw(st.sampled_from([0.0, 1.0, 0.25])) for _ in range(k)]
        else:
            targets = [draw(value) for _ in range(k)]
        data.append({"inputs": [draw(value) for _ in range(n_in)], "targets": targets})
    return {"inputs": n_in, "layers": layers, "data": data, "loss": loss,
            "learning_rate": 0.1, "epochs": 1}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_networks())
def test_every_pair_of_random_small_networks(doc: dict) -> None:
    run = api.run(scenario_from_text(yaml.safe_dump(doc)))
    record = run.trace.iterations[0]
    if not np.isfinite(record.sample_losses).all():
        return  # a log of 0: no derivative to compare
    check_every_pair(run)


def test_the_shell_completes_node_names() -> None:
    from backprop_tutor.cli.examples import complete_node

    class Ctx:
        params = {"scenario": "house_price"}

    assert complete_node(Ctx(), "h") == ["h11", "h12", "h21"]
    assert complete_node(Ctx(), "") == ["L", "z11", "h11", "z12", "h12", "z21", "h21"]
    Ctx.params = {"scenario": "missing.yaml"}
    assert complete_node(Ctx(), "") == []


def test_custom_names_and_letters_name_the_nodes(tmp_path: Path) -> None:
    text = QUESTION.replace(
        "  - {units: 2, activation: sigmoid, weights: [[0.5], [0.5]], biases: [1, 1]}",
        "  - {units: 2, activation: sigmoid, weights: [[0.5], [0.5]], biases: [1, 1],\n"
        "     names: {net: [net_up, net_down], activations: [up, down], weights: [[w2], [w3]]}}")
    text += "symbols: {activation: h, loss: L, weight: W}\n"
    path = tmp_path / "named.yaml"
    path.write_text(text)
    run = api.run(api.load(path))
    assert run.node_lines(run.record(1), "h31", "W111")[-1].values[0] == pytest.approx(
        0.0014291881022, abs=1e-13)
    check_every_pair(run)
    result = invoke("run", str(path), "--explain", "w2", "--of", "up", "--no-color",
                    "--width", "100")
    assert result.exit_code == 0, result.output
    assert "∂up/∂w2 = ∂up/∂net_up·∂net_up/∂w2" in result.stdout
    wrong = invoke("run", str(path), "--explain", "W111", "--of", "a31")
    assert wrong.exit_code == 2 and "did you mean h31?" in wrong.stderr


def test_a_node_in_the_default_letters_is_found_in_the_scenarios() -> None:
    result = invoke("run", "house_price", "--explain", "w111", "--of", "a21")
    assert result.exit_code == 2
    assert "no node is called 'a21'; did you mean h21?" in result.stderr
    result = invoke("run", "house_price", "--explain", "w111", "--of", "E")
    assert "no node is called 'E'; did you mean L?" in result.stderr


def test_the_matrix_view_explains_only_the_losss_gradients() -> None:
    result = invoke("run", "house_price", "--view", "matrix", "--explain", "x1")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --view: --view matrix explains a parameter's "
                                    "gradient of the loss; the derivative of L by x1")
