"""Circuits (computational graphs): the worked examples of CS231n's notes, random circuits
against sympy's derivative of the closed form and central finite differences, the located
errors of a bad file, and the command line."""

from __future__ import annotations

import json
import math
import random
import re

import pytest
import sympy as sp
from typer.testing import CliRunner

from backprop_tutor.cli import app
from backprop_tutor.errors import InputError
from backprop_tutor.examples import bundled_path
from backprop_tutor.scenario.circuit_loader import circuit_from_text, load_any
from backprop_tutor.solution.circuit import solve_circuit

runner = CliRunner()

ADD_MULTIPLY = """\
inputs: {x: -2, y: 5, z: -4}
nodes:
  q: x + y
  f: q * z
output: f
"""
NEURON_ONE_NODE = """\
inputs: {x0: -1, x1: -2}
parameters: {w0: 2, w1: -3, w2: -3}
learning_rate: 0.1
nodes:
  f: sigmoid(w0*x0 + w1*x1 + w2)
output: f
"""
NEURON_AS_GATES = """\
inputs: {x0: -1, x1: -2}
parameters: {w0: 2, w1: -3, w2: -3}
learning_rate: 0.1
nodes:
  a: w0 * x0
  b: w1 * x1
  c: a + b
  s: c + w2
  n: -1 * s
  u: exp(n)
  v: u + 1
  f: 1 / v
output: f
"""


def values(text: str) -> dict[str, float]:
    return solve_circuit(circuit_from_text(text, "c.yaml")).values()


# --- the worked examples of CS231n's "Backpropagation, intuitions" ---------------------------

def test_add_then_multiply():
    v = values(ADD_MULTIPLY)
    assert (v["q"], v["f"]) == (3, -12)
    assert (v["df/dz"], v["df/dq"], v["df/dx"], v["df/dy"]) == (3, -4, -4, -4)
    # the gates: add passes −4 on unchanged, multiply sends each input the other's value
    assert (v["dq/dx"], v["dq/dy"], v["df/dq"], v["df/dz"]) == (1, 1, -4, 3)
    assert v["df/dq*dq/dx"] == -4


@pytest.mark.parametrize("text", [NEURON_ONE_NODE, NEURON_AS_GATES], ids=["one node", "gates"])
def test_the_two_input_sigmoid_neuron(text):
    v = values(text)
    assert round(v["f"], 4) == 0.7311
    assert [round(v[f"df/dx{i}"], 4) for i in (0, 1)] == [0.3932, -0.5898]
    assert [round(v[f"df/dw{i}"], 4) for i in (0, 1, 2)] == [-0.1966, -0.3932, 0.1966]
    for i in (0, 1, 2):
        assert v[f"w{i}+"] == pytest.approx([2, -3, -3][i] - 0.1 * v[f"df/dw{i}"], abs=1e-15)


def test_the_neuron_as_one_node_and_as_gates_agree_to_the_last_digit():
    one, gates = values(NEURON_ONE_NODE), values(NEURON_AS_GATES)
    for name in ("f", "df/dx0", "df/dx1", "df/dw0", "df/dw1", "df/dw2", "w0+", "w1+", "w2+"):
        assert one[name] == pytest.approx(gates[name], rel=1e-15), name
    # the exact value: σ(1) and σ(1)(1 − σ(1)) times each input or weight
    s = 1 / (1 + math.exp(-1))
    assert one["df/dw0"] == pytest.approx(-1 * s * (1 - s), rel=1e-15)


def test_the_local_gradient_of_a_sigmoid_is_written_as_textbooks_do():
    solution = solve_circuit(circuit_from_text(NEURON_ONE_NODE, "c.yaml"))
    local = {(e.node, e.parent): e.local.text for e in solution.edges()}
    assert local[("f", "w2")] == "σ(w2 + w0·x0 + w1·x1)·(1 − σ(w2 + w0·x0 + w1·x1))"
    assert local[("f", "w0")].startswith("x0·σ(")


def test_shipped_circuits_are_the_worked_examples():
    add = solve_circuit(load_any(bundled_path("circuit_add_multiply"))).values()
    assert (add["f"], add["df/dx"], add["df/dy"], add["df/dz"]) == (-12, -4, -4, 3)
    shipped = solve_circuit(load_any(bundled_path("circuit_sigmoid_neuron"))).values()
    gates = values(NEURON_AS_GATES)
    assert {k: shipped[k] for k in gates} == gates


# --- a value used more than once: its gradient is the sum of its uses ------------------------

def test_fan_out_sums_what_each_use_sends_back():
    text = "inputs: {x: 3}\nnodes:\n  a: x * x\n  f: a + x\noutput: f\n"
    solution = solve_circuit(circuit_from_text(text, "c.yaml"))
    v = solution.values()
    assert v["df/dx"] == 2 * 3 + 1  # d(x² + x)/dx, not the last use's 1 alone
    x = solution.gradient("x")
    # a = x·x is x² to sympy: one edge, whose local gradient is 2x; f = a + x is the other use
    assert [u for u, _ in x.uses] == ["a", "f"]
    assert v["da/dx"] == 6
    assert sum(s for _, s in x.uses) == x.value


def test_a_name_the_output_uses_with_others_keeps_its_local_and_whole_gradient_apart():
    # f = a·x with a = x·y: ∂f/∂x (the output's local gradient, a = 6) is not df/dx (= 2xy)
    v = values("inputs: {x: 3, y: 2}\nnodes:\n  a: x * y\n  f: a * x\noutput: f\n")
    assert v["df/dx"] == 12
    assert v["df/df*df/dx"] == 6 and v["df/da*da/dx"] == 6


def test_max_routes_the_gradient_to_the_larger_input():
    text = "inputs: {a: 2, b: 5, c: 3}\nnodes:\n  m: max(a, b)\n  f: m * c\noutput: f\n"
    v = values(text)
    assert (v["dm/da"], v["dm/db"]) == (0, 1)
    assert (v["df/da"], v["df/db"]) == (0, 3)


def test_a_tie_of_max_splits_the_gradient_as_pytorch_does():
    v = values("inputs: {a: 2, b: 2}\nnodes:\n  f: max(a, b)\noutput: f\n")
    assert (v["df/da"], v["df/db"]) == (0.5, 0.5)


# --- random circuits against independent oracles ----------------------------------------------

# (formula, the same as sympy, the same in floats); a and b are earlier names
OPS = [
    ("{a} + {b}", lambda a, b: a + b, lambda a, b: a + b),
    ("{a} - {b}", lambda a, b: a - b, lambda a, b: a - b),
    ("{a} * {b}", lambda a, b: a * b, lambda a, b: a * b),
    ("max({a}, {b})", sp.Max, max),
    ("min({a}, {b})", sp.Min, min),
    ("sigmoid({a})", lambda a, b: 1 / (1 + sp.exp(-a)), lambda a, b: 1 / (1 + math.exp(-a))),
    ("tanh({a})", lambda a, b: sp.tanh(a), lambda a, b: math.tanh(a)),
    ("{a} / (1 + {b}**2)", lambda a, b: a / (1 + b**2), lambda a, b: a / (1 + b**2)),
    ("sqrt(1 + {a}*{a})", lambda a, b: sp.sqrt(1 + a * a), lambda a, b: math.sqrt(1 + a * a)),
    ("exp(sigmoid({a}))", lambda a, b: sp.exp(1 / (1 + sp.exp(-a))),
     lambda a, b: math.exp(1 / (1 + math.exp(-a)))),
    ("0.5 * {a}", lambda a, b: sp.Rational(1, 2) * a, lambda a, b: 0.5 * a),
    ("log(1 + {a}**2) + {b}", lambda a, b: sp.log(1 + a**2) + b,
     lambda a, b: math.log(1 + a**2) + b),
]


def random_circuit(seed: int):
    """A random DAG: 1-4 leaves, 1-8 nodes each using names above it, the last the output;
    its YAML, and the output as a sympy closed form and as a float function of the leaves."""
    rng = random.Random(seed)
    leaves = [f"x{i}" for i in range(rng.randint(1, 4))]
    values = {x: round(rng.uniform(-2, 2), 3) for x in leaves}
    symbolic = {x: sp.Symbol(x, real=True) for x in leaves}
    numeric = {x: (lambda v, x=x: v[x]) for x in leaves}
    nodes = {}
    names = list(leaves)
    for n in range(rng.randint(1, 8)):
        template, sym, num = rng.choice(OPS)
        # the newest name first, so that most of the graph reaches the output
        a = names[-1]
        b = rng.choice(names[:-1] or names)
        if a == b and template == "{a} - {b}":  # the constant 0, which a file may not be
            template, sym, num = OPS[0]
        name = f"n{n}"
        nodes[name] = template.format(a=a, b=b)
        symbolic[name] = sym(symbolic[a], symbolic[b])
        numeric[name] = (lambda v, f=num, a=numeric[a], b=numeric[b]: f(a(v), b(v)))
        names.append(name)
    output = names[-1]
    reached = {output}
    for name in reversed(names):
        if name in reached and name in nodes:
            reached |= set(re.findall(r"[A-Za-z_]\w*", nodes[name]))
    nodes = {k: t for k, t in nodes.items() if k in reached}
    used = {x: values[x] for x in leaves if x in reached}
    text = (f"inputs: {{{', '.join(f'{x}: {v}' for x, v in used.items())}}}\nnodes:\n"
            + "".join(f"  {k}: {t}\n" for k, t in nodes.items()) + f"output: {output}\n")
    return text, used, symbolic[output], symbolic, lambda v: numeric[output]({**values, **v})


def _kink_margin(text: str, v: dict[str, float]) -> float:
    """How far every max/min is from a tie at these values (finite differences need it)."""
    circuit = circuit_from_text(text, "r.yaml")
    solution = solve_circuit(circuit)
    margin = math.inf
    for step in solution.forward:
        if step.gate in ("max", "min") or "max" in step.formula.text or "min" in step.formula.text:
            a, b = (solution.numbers[p] for p in (step.parents * 2)[:2])
            margin = min(margin, abs(a - b)) if len(step.parents) == 2 else 0
    return margin


@pytest.mark.parametrize("seed", range(60))
def test_random_circuits_against_sympy_closed_form_and_finite_differences(seed):
    text, leaves, closed, symbols, f = random_circuit(seed)
    if not leaves:  # the output uses no input (a node such as x0 - x0)
        pytest.skip("a constant circuit")
    v = values(text)
    at = {symbols[x]: sp.Rational(repr(val)) for x, val in leaves.items()}
    assert v[circuit_from_text(text, "r.yaml").output] == pytest.approx(
        float(closed.xreplace(at).evalf(30)), rel=1e-12, abs=1e-12)
    output = circuit_from_text(text, "r.yaml").output
    margin = _kink_margin(text, leaves)
    for x in leaves:
        exact = float(sp.diff(closed, symbols[x]).xreplace(at).evalf(30))
        assert v[f"d{output}/d{x}"] == pytest.approx(exact, rel=1e-12, abs=1e-12), (x, text)
        if margin > 1e-3:
            h = 1e-6
            up, down = dict(leaves), dict(leaves)
            up[x] += h
            down[x] -= h
            central = (f(up) - f(down)) / (2 * h)
            assert v[f"d{output}/d{x}"] == pytest.approx(central, rel=1e-5, abs=1e-6), (x, text)


def test_the_random_circuits_exercise_fan_out_and_every_gate():
    seen_fan_out = 0
    formulas = set()
    for seed in range(60):
        text = random_circuit(seed)[0]
        circuit = circuit_from_text(text, "r.yaml")
        solution = solve_circuit(circuit)
        formulas |= {s.gate for s in solution.forward}
        seen_fan_out += any(len(g.uses) > 1 for g in solution.leaves)
    assert seen_fan_out >= 10
    assert {"add", "multiply", "max", "min", "sigmoid", "tanh", "scale"} <= formulas


# --- a bad file: one located line --------------------------------------------------------------

def message(text: str) -> str:
    with pytest.raises(InputError) as caught:
        circuit_from_text(text, "c.yaml")
    line = str(caught.value)
    assert "\n" not in line
    return line


BAD = [
    ("  f: q * z", "  f: q * w",
     "c.yaml:4:6: nodes.f: node 'f' uses 'w', which is not an input, parameter or node above "
     "it; the names it may use are x, y, z, q"),
    ("  f: q * z", "  f: q * y2",
     "c.yaml:4:6: nodes.f: node 'f' uses 'y2', which is not an input, parameter or node above "
     "it; did you mean y?"),
    ("  q: x + y\n  f: q * z", "  q: x + f\n  f: q * z",
     "c.yaml:3:6: nodes.q: node 'q' uses 'f', which is defined below it; a node may use only "
     "the inputs, parameters and nodes above it (move it up, so that the circuit has no "
     "cycle)"),
    ("  q: x + y", "  q: x + q",
     "c.yaml:3:6: nodes.q: node 'q' uses itself; a node may use only the inputs, parameters "
     "and nodes above it, so that the circuit has no cycle"),
    ("  q: x + y\n  f: q * z", "  exp: x + y\n  f: exp * z",
     "c.yaml:3:3: nodes.exp: the node 'exp' is named like a function or constant the formulas "
     "use; choose another name"),
    ("inputs: {x: -2, y: 5, z: -4}", "inputs: {x: -2, y: 5, sigmoid: -4}",
     "c.yaml:1:23: inputs.sigmoid: the input 'sigmoid' is named like a function or constant "
     "the formulas use; choose another name"),
    ("inputs: {x: -2, y: 5, z: -4}", "inputs: {x: -2, y: 5, z: -4, q: 1}",
     "c.yaml:3:3: nodes.q: the name 'q' is given to an input and to a node; names must be "
     "unique"),
    ("  f: q * z", "  f: q * z\n  q: x",
     "c.yaml:5:3: duplicate key 'q' (first at line 3)"),
    ("output: f", "output: x", "c.yaml:5:9: output: the output must be a node; 'x' is an input"),
    ("output: f", "output: g", "c.yaml:5:9: output: no node is called 'g'; the nodes are q, f"),
    ("  f: q * z", "  f: q * z" + " + q" * 60,
     "c.yaml:4:6: nodes.f: expected at most 200 characters; got the text "
     "'q * z + q + q + q + q + q + q + q + ..."),
    ("  f: q * z", "  f: exp(exp(exp(exp(exp(q))))) * z",
     "c.yaml:4:6: nodes.f: the expression 'exp(exp(exp(exp(exp(q))))) * z' nests functions "
     "deeper than the limit of 4 (exp(…) inside 4 other calls)"),
    ("  f: q * z", "  f: q ** 1000",
     "c.yaml:4:6: nodes.f: a power in the expression 'q ** 1000' is too large or not a real "
     "number (exponents are limited to ±100)"),
    ("  f: q * z", "  f: __import__('os')",
     "c.yaml:4:6: nodes.f: cannot use the function '__import__' in the expression "
     "'__import__('os')'; allowed: the names of the inputs, parameters and nodes above it, "
     "numbers, + - * / **, unary minus, and calls of exp, log, sqrt, abs, tanh, sigmoid, max, "
     "min"),
    ("inputs: {x: -2, y: 5, z: -4}", "inputs: {x: -2, y: 5, z: -4, t: 1}",
     "c.yaml:1:30: inputs.t: the input 't' is not used on the way to the output 'f'; remove "
     "it, or use it"),
    ("  f: q * z", "  g: q * z\n  f: q * z",
     "c.yaml:4:3: nodes.g: node 'g' is not used on the way to the output 'f'; remove it, or "
     "use it"),
    ("  f: q * z", "  f: z / (q - 3)",
     "c.yaml:4:6: nodes.f: f = z / (q - 3) is not a finite real number at z = -4, q = 3"),
    ("  f: q * z", "  f: sqrt(q - 3) * z",
     "c.yaml:4:6: nodes.f: the local gradient ∂f/∂q of f = sqrt(q - 3) * z is not a finite "
     "real number at q = 3, z = -4"),
    ("  f: q * z", "  f: 3", "c.yaml:4:6: nodes.f: expected text; got 3"),
    ("output: f", "output: f\nlearning_rate: 0.1",
     "c.yaml:6:1: learning_rate: learning_rate updates parameters, and the circuit has none; "
     "list the values to update under parameters:"),
    ("output: f", "output: f\nparameters: {w: 1}",
     "c.yaml:6:1: parameters: parameters are updated by gradient descent, which needs a "
     "learning_rate (such as learning_rate: 0.1); for values that are not updated, use "
     "inputs:"),
    ("nodes:\n  q: x + y\n  f: q * z\n", "nodes: {}\n",
     "c.yaml:2:8: nodes: expected at least 1 node; got a mapping"),
    ("  f: q * z", "  f: q * z - z * q",
     "c.yaml:4:6: nodes.f: node 'f' = q * z - z * q is the constant 0, whatever the values; a "
     "node must depend on an input, parameter or node"),
    ("output: f", "output: f\noutptu: g",
     "c.yaml:6:1: outptu: unknown key 'outptu'; did you mean output?"),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD, ids=[b[2][7:40] for b in BAD])
def test_a_bad_circuit_is_one_located_line(old, new, expected):
    assert ADD_MULTIPLY.count(old) == 1, old
    assert message(ADD_MULTIPLY.replace(old, new)) == expected


def test_the_size_of_a_circuit_is_limited():
    from backprop_tutor.scenario.limits import MAX_CIRCUIT_NODES

    chain = "".join(f"  n{i}: n{i - 1} + 1\n" for i in range(1, MAX_CIRCUIT_NODES + 1))
    text = f"inputs: {{x: 1}}\nnodes:\n  n0: x\n{chain}output: n{MAX_CIRCUIT_NODES}\n"
    assert message(text) == (f"c.yaml:3:3: nodes: the circuit has {MAX_CIRCUIT_NODES + 1} "
                             f"nodes, more than the limit of {MAX_CIRCUIT_NODES}")


def test_a_long_chain_within_the_limits_is_worked_out():
    chain = "".join(f"  n{i}: 2 * n{i - 1}\n" for i in range(1, 60))
    v = values(f"inputs: {{x: 1}}\nnodes:\n  n0: x\n{chain}output: n59\n")
    assert v["dn59/dx"] == 2.0**59


# --- the command line ------------------------------------------------------------------------

def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_run_shows_forward_local_and_backward_tables_with_the_gate_patterns():
    out = invoke("run", "circuit_add_multiply", "--no-color", "--width", "100").stdout
    for part in ("Forward pass", "Local gradients", "Backward pass", "∂f/∂q × ∂q/∂x",
                 "−4 × 1", "add gate passes its upstream gradient to each input unchanged",
                 "multiply gate sends each input the other input's value"):
        assert part in out, part


def test_run_names_the_fan_out_sum(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("inputs: {x: 3}\nnodes:\n  a: x * x\n  f: a + x\noutput: f\n")
    out = invoke("run", str(path), "--no-color", "--width", "120").stdout
    assert "sum of its 2 uses" in out
    assert "the sum of what each use sends back" in out


def test_run_json_has_every_quantity_by_address():
    result = invoke("run", "circuit_sigmoid_neuron", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "circuit"
    v = document["values"]
    assert round(v["df/dw1"], 4) == -0.3932 and round(v["w1+"], 4) == -2.9607
    edge = next(e for e in document["backward"] if (e["node"], e["input"]) == ("f", "v"))
    assert edge["local"]["formula"] == "−1/v²"
    assert edge["downstream"] == edge["upstream"] * edge["local"]["value"]


def test_run_explain_shows_the_chain_of_one_input():
    out = invoke("run", "circuit_add_multiply", "--explain", "x", "--no-color").stdout
    assert "path x → q → f: ∂f/∂q·∂q/∂x = −4 × 1 = −4" in out
    assert "∂f/∂z" not in out  # only the rows on the way from x
    same = invoke("run", "circuit_add_multiply", "--explain", "∂f/∂x", "--no-color").stdout
    assert same == out


def test_run_explain_of_an_unknown_name_is_one_line():
    result = invoke("run", "circuit_add_multiply", "--explain", "w")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no input, parameter or node is called 'w'" in \
        result.stderr


def test_run_dot_draws_each_value_with_data_and_grad(tmp_path):
    path = tmp_path / "c.dot"
    assert invoke("run", "circuit_add_multiply", "--dot", str(path)).exit_code == 0
    dot = path.read_text()
    assert '"v_q" [shape=record, label="{ q | data 3 | grad -4 }"];' in dot
    assert '"op_f" [shape=circle, label="×"];' in dot
    assert '"v_z" -> "op_f";' in dot


@pytest.mark.parametrize("option", [["--epochs", "3"], ["--iterations", "2"], ["--step"],
                                    ["--explain", "x", "--of", "q"], ["--view", "matrix"]])
def test_network_options_are_refused_for_a_circuit(option):
    result = invoke("run", "circuit_add_multiply", *option)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert f"{option[-2] if option[0] == '--explain' else option[0]} is about a network's" \
        in result.stderr


def test_validate_and_examples_take_circuits():
    result = invoke("validate", "circuit_sigmoid_neuron", "--no-color")
    assert result.exit_code == 0 and "is a valid circuit" in result.stdout
    listing = invoke("examples", "--no-color", "--width", "200").stdout
    assert "circuit_add_multiply" in listing and "circuit_sigmoid_neuron" in listing


def test_show_prints_a_circuit_and_its_file():
    shown = invoke("show", "circuit_add_multiply", "--no-color")
    assert shown.exit_code == 0 and "q      x + y" in shown.stdout
    copied = invoke("show", "circuit_add_multiply", "--yaml")
    assert copied.stdout == bundled_path("circuit_add_multiply").read_text(encoding="utf-8")


def test_a_file_with_layers_and_nodes_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(ADD_MULTIPLY + "layers: []\n")
    result = invoke("run", str(path))
    assert result.exit_code == 2
    assert "a scenario is a network (layers:) or a circuit (nodes:), not both" in result.stderr


def test_the_api_works_a_circuit_and_says_which_kind_a_file_is():
    from backprop_tutor import api

    worked = api.circuit("circuit_add_multiply")
    assert worked.values()["df/dx"] == -4
    assert worked.gradient("z").value == 3
    with pytest.raises(InputError, match="this is a network scenario"):
        api.circuit("two_neuron")
    with pytest.raises(InputError, match="this is a circuit"):
        api.load("circuit_add_multiply")


@pytest.mark.parametrize("seed", [0, 1, 7, 2026])
def test_new_circuit_writes_a_valid_commented_circuit(tmp_path, seed):
    path = tmp_path / "c.yaml"
    result = invoke("new", "-o", str(path), "--circuit", "--seed", str(seed))
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    assert text.startswith("# A new circuit")
    solution = solve_circuit(circuit_from_text(text, "c.yaml"))
    assert len(solution.gradient("x").uses) == 2  # the input used twice
    again = invoke("new", "-o", str(path), "--circuit")
    assert again.exit_code == 2 and "use --force" in again.stderr


@pytest.mark.parametrize("name", ["circuit_add_multiply", "circuit_sigmoid_neuron"])
def test_the_explain_view_of_every_leaf_fits_80_columns(name):
    from rich.cells import cell_len

    for leaf in api_leaves(name):
        out = invoke("run", name, "--explain", leaf, "--no-color", "--width", "80").stdout
        assert all(cell_len(line) <= 80 for line in out.splitlines())
        assert "…" not in out


def api_leaves(name: str) -> list[str]:
    return list(load_any(bundled_path(name)).leaves)


# --- worksheet, key, grade, practice -----------------------------------------------------------

def test_the_worksheet_asks_every_quantity_in_the_order_worked(tmp_path):
    result = invoke("worksheet", "circuit_add_multiply")
    assert result.exit_code == 0, result.stderr
    lines = [line.split(":")[0].strip() for line in result.stdout.splitlines()
             if line.startswith("  ") and not line.strip().startswith("#")]
    assert lines == ["q", "f", "dq/dx", "dq/dy", "df/dq", "df/dx", "df/dy", "df/dz"]
    assert "df/dq:  # ∂f/∂q = z" in result.stdout


def test_a_sheet_filled_from_the_key_scores_full_marks_and_a_slip_is_wrong(tmp_path):
    from backprop_tutor.grading.circuit import circuit_questions

    solution = solve_circuit(load_any(bundled_path("circuit_sigmoid_neuron")))
    answers = {q.address: float(f"{q.value:.4g}") for q in circuit_questions(solution)}
    sheet = tmp_path / "s.yaml"
    sheet.write_text(json.dumps({"student": "Ada", "answers": answers}))
    result = invoke("grade", "circuit_sigmoid_neuron", str(sheet), "--format", "json")
    assert result.exit_code == 0, result.stderr
    graded = json.loads(result.stdout)["sheets"][0]
    assert graded["score"] == graded["max_score"] == len(answers) == 34
    answers["df/dx1"] = 0.5898  # the sign lost
    sheet.write_text(json.dumps({"student": "Ada", "answers": answers}))
    graded = json.loads(invoke("grade", "circuit_sigmoid_neuron", str(sheet), "--format",
                               "json").stdout)["sheets"][0]
    wrong = [i for i in graded["items"] if i["verdict"] != "correct"]
    assert [(i["address"], i["verdict"]) for i in wrong] == [("df/dx1", "wrong")]


def test_grade_only_marks_the_asked_section(tmp_path):
    sheet = tmp_path / "s.yaml"
    sheet.write_text("answers:\n  q: 3\n  df/dx: -4\n")
    result = invoke("grade", "circuit_add_multiply", str(sheet), "--only", "backward",
                    "--format", "json")
    graded = json.loads(result.stdout)["sheets"][0]
    assert graded["max_score"] == 4 and graded["score"] == 1
    bad = invoke("grade", "circuit_add_multiply", str(sheet), "--only", "loss")
    assert bad.exit_code == 2 and "neither a section" in bad.stderr


def test_the_key_has_every_value():
    text = invoke("key", "circuit_add_multiply").stdout
    for row in ("| q | q = x + y | 3 |", "| ∂f/∂q | ∂f/∂q = z | −4 |",
                "| ∂f/∂x | ∂f/∂x = ∂f/∂q·∂q/∂x | −4 |"):
        assert row in text, row


def test_practice_checks_each_answer_and_hints_with_the_formula_then_the_numbers():
    typed = "3\n-12\n1\n1\n7\n8\n-4\n-4\n-4\n3\n"
    out = runner.invoke(app, ["practice", "circuit_add_multiply", "--no-color"],
                        input=typed).stdout
    assert "the formula: ∂f/∂q = z" in out
    assert "the numbers: ∂f/∂q = 1 × (−4)" in out
    assert "done: 7 right at the first try, 1 after a hint, 0 missed, of 8" in out


def test_practice_names_the_slip_of_a_wrong_answer_as_grading_does():
    # ∂f/∂x given as the local gradient ∂q/∂x = 1 alone (key −4): the upstream ∂f/∂q left out
    typed = "3\n-12\n1\n1\n-4\n1\n"
    out = runner.invoke(app, ["practice", "circuit_add_multiply", "--no-color", "--width",
                              "200"], input=typed).stdout
    assert ("✗ not quite: upstream gradient ∂f/∂q left out: the local gradient ∂q/∂x alone; "
            "the formula: ∂f/∂x = ∂f/∂q·∂q/∂x") in out


def test_variants_of_a_circuit_are_graded_by_the_folder(tmp_path):
    from backprop_tutor.grading.circuit import circuit_questions
    from backprop_tutor.scenario.circuit_loader import load_circuit

    folder = tmp_path / "v"
    result = invoke("variants", "circuit_sigmoid_neuron", "-o", str(folder), "--count", "3")
    assert result.exit_code == 0, result.stderr
    ids = sorted(p.name.removesuffix(".sheet.yaml") for p in folder.glob("*.sheet.yaml"))
    assert len(ids) == 3
    circuits = [load_circuit(folder / f"{i}.yaml") for i in ids]
    assert len({tuple(c.leaves.values()) for c in circuits}) == 3  # other numbers each
    assert all(c.nodes == circuits[0].nodes for c in circuits)  # the same circuit
    solution = solve_circuit(circuits[1])
    answers = {q.address: float(f"{q.value:.5g}") for q in circuit_questions(solution)}
    sheet = tmp_path / "s.json"
    sheet.write_text(json.dumps({"variant": ids[1], "answers": answers}))
    graded = json.loads(invoke("grade", str(folder), str(sheet), "--format", "json").stdout)
    assert graded["sheets"][0]["score"] == graded["sheets"][0]["max_score"] == 34
    again = tmp_path / "again"
    invoke("variants", "circuit_sigmoid_neuron", "-o", str(again), "--count", "3")
    assert (again / f"{ids[0]}.yaml").read_text() == (folder / f"{ids[0]}.yaml").read_text()


def test_completion_offers_a_circuits_names_to_explain():
    from backprop_tutor.cli.examples import complete_parameter

    class Ctx:
        params = {"scenario": "circuit_sigmoid_neuron"}

    assert complete_parameter(Ctx(), "w") == ["w0", "w1", "w2"]
    assert complete_parameter(Ctx(), "") == ["x0", "x1", "w0", "w1", "w2", "a", "b", "c", "s",
                                             "n", "u", "v", "f"]


@pytest.mark.parametrize("name", ["circuit_add_multiply", "circuit_sigmoid_neuron"])
def test_the_shipped_circuits_follow_the_circuit_schema(name):
    import yaml
    from schema_check import problems

    document = yaml.safe_load(bundled_path(name).read_text(encoding="utf-8"))
    assert problems(document, "circuit") == []
    assert problems({**document, "nodes": []}, "circuit") != []


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_the_paths_of_explain_add_up_to_the_gradient(seed):
    text, leaves, *_ = random_circuit(seed)
    solution = solve_circuit(circuit_from_text(text, "r.yaml"))
    for x in leaves:
        paths = solution.paths(x, most=1000)
        assert sum(p.product for p in paths) == pytest.approx(solution.gradient(x).value,
                                                              rel=1e-12, abs=1e-12)


def test_more_paths_than_explain_writes_out_are_left_to_the_rows():
    # each level doubles the paths from x (through b and around it): 2**4 = 16 > MAX_PATHS
    nodes = "".join(f"  b{i}: sigmoid(a{i - 1})\n  a{i}: b{i} + a{i - 1}\n" for i in range(1, 5))
    text = f"inputs: {{x: 0.5}}\nnodes:\n  a0: x * 1\n{nodes}output: a4\n"
    solution = solve_circuit(circuit_from_text(text, "c.yaml"))
    assert solution.paths("x") is None
    assert len(solution.paths("x", most=100)) == 16


@pytest.mark.parametrize(("formula", "x"), [("exp(exp(x))", "1e6"), ("exp(exp(exp(exp(x))))", "9"),
                                            ("exp(x)", "1e300"), ("sqrt(x) * x**2", "1e300")])
def test_a_value_beyond_a_double_on_the_way_is_refused_at_once(formula, x):
    import time

    start = time.perf_counter()
    text = f"inputs: {{x: {x}}}\nnodes:\n  f: {formula}\noutput: f\n"
    assert message(text).startswith(f"c.yaml:3:6: nodes.f: f = {formula} is not a finite real "
                                    "number at x = ")
    assert time.perf_counter() - start < 5  # never a search for e^(10^434294)


def test_a_gradient_beyond_a_double_is_one_line():
    # every value and local gradient fits a double; ∂f/∂x = 1e200 × 1e200 does not
    text = "inputs: {x: 1e-200}\nnodes:\n  a: 1e200 * x\n  f: 1e200 * a\noutput: f\n"
    with pytest.raises(InputError, match=r"^the gradient ∂f/∂x is 1\.000e\+400"):
        solve_circuit(circuit_from_text(text, "c.yaml"))
