"""Fuzzing the command line: any file ends in exit 0 or 2 with a clean output, never a traceback.

Exit 1 is an internal error, that is a bug. Random YAML documents, and random mutations of every
shipped scenario and answer sheet (of their text and of their data), go through ``run --json``
and ``grade --format json`` in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backprop_tutor.cli import app

ROOT = Path(__file__).parent.parent
# the shipped files, each content once (scenarios/ and the package's examples hold copies)
SHIPPED = sorted({p.read_bytes(): p for p in sorted(
    [*ROOT.glob("backprop_tutor/examples/*.yaml"), *ROOT.glob("scenarios/*.yaml")],
    reverse=True)}.values())


def _is_sheet(path: Path) -> bool:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and "answers" in data


SCENARIOS = [p for p in SHIPPED if not _is_sheet(p)]
SHEETS = [p for p in SHIPPED if _is_sheet(p)]
SHEET_SCENARIO = {p: p.name.split(".")[0] for p in SHEETS}  # house_price.textbook → house_price

# a generous bound that only a hang or a runaway computation exceeds
FUZZ = settings(max_examples=40, deadline=timedelta(seconds=20),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in JSON output")


def check(args: list[str], graded: bool = False) -> int:
    """Run the command line; its outcome must be a result (0) or one input error (2).

    ``graded``: a sheet that cannot be graded still has its place in the grades document,
    which lists it as unreadable with the message of stderr."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    if result.exit_code == 0:
        json.loads(result.stdout, parse_constant=_no_constants)
    elif graded and result.stdout:
        document = json.loads(result.stdout, parse_constant=_no_constants)
        assert document["sheets"] == []
        assert [f"error: {u['error']}\n" for u in document["unreadable"]] == [result.stderr]
    else:
        assert result.stdout == ""
        assert result.stderr.startswith("error: ")
        assert result.stderr.count("\n") == 1, result.stderr
    return result.exit_code


def run_text(folder: Path, text: str) -> int:
    path = folder / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return check(["run", str(path), "--json"])


def grade_text(folder: Path, scenario: str, text: str) -> int:
    path = folder / "fuzzed.sheet.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return check(["grade", scenario, str(path), "--format", "json"], graded=True)


# --- values and documents --------------------------------------------------------------------

KEYS = ["title", "inputs", "layers", "units", "activation", "weights", "biases", "names", "data",
        "targets", "loss", "learning_rate", "epochs", "mode", "batch_size", "tolerance",
        "frozen", "l2", "init", "seed", "method", "low", "high", "symbols", "name", "alpha",
        "expression", "answers", "student", "iteration", "z1", "a1", "dE/dw2", "net", "nodes",
        "output", "parameters", "q", "f", "x"]
WORDS = ["sigmoid", "relu", "leaky_relu", "softmax", "tanh", "linear", "softplus", "z",
         "z/(1 + abs(z))", "exp(z)", "log(z)", "max(0, z)", "z**2", "stochastic", "minibatch",
         "batch", "cross_entropy", "binary_cross_entropy", "mse", "he", "xavier", "uniform",
         "w1", "b1", "x1", "", " ", "9**9**9", "1e-3", "0x10", ".nan", "x + y", "q * z",
         "max(x, q)", "1/x", "sigmoid(q)", "f"]
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(-3, 12), st.sampled_from([0, -1, 10**6, 10**30, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2, 2), st.sampled_from([0.0, 1e-300, 1e300, -0.0, 710.0, -745.0]),
    st.sampled_from(WORDS), st.text(max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=25,
)


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8))
def test_random_documents(tmp_path, data):
    run_text(tmp_path, dump(data))


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab: -[]{},&*!|>'\"#\n\t0.1e")), max_size=80))
def test_random_text(tmp_path, text):
    run_text(tmp_path, text)


# --- mutations -----------------------------------------------------------------------------------

TOKENS = [": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!!python/name:os.system",
          "\t", ".nan", ".inf", "-.inf", "true", "null", "~", "1e400", "-0", "0.5", "'x'", "#",
          "<<: *a", "\n", "  ", "\ufeff", "\x00", "é", "9" * 30]


@st.composite
def text_mutation(draw, text: str) -> str:
    """The text with a few lines deleted, duplicated or swapped, and characters replaced."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        n = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate",
                                       "replace"]))
        line = lines[n]
        if action == "delete":
            del lines[n]
        elif action == "duplicate":
            lines.insert(n, line)
        elif action == "swap":
            m = draw(st.integers(0, len(lines) - 1))
            lines[n], lines[m] = lines[m], line
        elif action == "truncate":
            lines[n] = line[: draw(st.integers(0, len(line)))]
        else:
            at = draw(st.integers(0, len(line)))
            token = draw(st.sampled_from(TOKENS))
            cut = at + (draw(st.integers(0, 3)) if action == "replace" else 0)
            lines[n] = line[:at] + token + line[cut:]
    return "".join(lines)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def data_mutation(draw, text: str) -> str:
    """The document with a value replaced, a key removed or renamed, or a list item dropped."""
    data = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "rename"]))
        if action == "replace":
            parent[last] = draw(VALUES)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = parent.pop(last)
    return dump(data)


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def test_the_shipped_files_are_found():
    assert len(SCENARIOS) >= 2
    assert SHEETS


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_shipped_scenarios_run(tmp_path, path):
    assert run_text(tmp_path, path.read_text(encoding="utf-8")) == 0


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_mutated_scenarios(tmp_path, data):
    text = data.draw(st.sampled_from(SCENARIOS), label="scenario").read_text(encoding="utf-8")
    mutate = data.draw(st.sampled_from([text_mutation, data_mutation]))
    run_text(tmp_path, data.draw(mutate(text)))


@FUZZ
@given(data=st.data())
def test_mutated_sheets(tmp_path, data):
    path = data.draw(st.sampled_from(SHEETS), label="sheet")
    text = path.read_text(encoding="utf-8")
    mutate = data.draw(st.sampled_from([text_mutation, data_mutation]))
    grade_text(tmp_path, SHEET_SCENARIO[path], data.draw(mutate(text)))


# --- generated scenarios: well-formed files with extreme settings reach the maths ------------

ACTIVATIONS = ["sigmoid", "relu", "tanh", "linear", "softplus", "identity", "softmax",
               {"name": "leaky_relu", "alpha": 0.1}, {"expression": "z/(1 + abs(z))"},
               {"expression": "log(z)"}, {"expression": "sqrt(z)"}, {"expression": "1/z"},
               {"expression": "exp(exp(z))"}, {"expression": "abs(z)"}]
NUMBERS = st.one_of(st.floats(-3, 3), st.sampled_from([0.0, 1e3, -1e3, 1e-300, 1e300, 709.0]))


@st.composite
def scenarios(draw) -> dict:
    """A scenario whose shapes fit, with random activations, losses, modes and magnitudes."""
    n_in = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    layers, fan_in = [], n_in
    for units in widths:
        layer = {"units": units, "activation": draw(st.sampled_from(ACTIVATIONS))}
        if draw(st.booleans()):
            layer["weights"] = [[draw(NUMBERS) for _ in range(fan_in)] for _ in range(units)]
            layer["biases"] = [draw(NUMBERS) for _ in range(units)]
        layers.append(layer)
        fan_in = units
    targets = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), NUMBERS)
    data = [{"inputs": [draw(NUMBERS) for _ in range(n_in)],
             "targets": [draw(targets) for _ in range(widths[-1])]}
            for _ in range(draw(st.integers(1, 4)))]
    return {
        "inputs": n_in, "layers": layers, "data": data,
        "loss": draw(st.sampled_from(["half_squared_error", "squared_error", "mse",
                                      "binary_cross_entropy", "cross_entropy"])),
        "learning_rate": draw(st.sampled_from([0.1, 1.0, 100.0, 1e-9, 1e300])),
        "epochs": draw(st.integers(1, 20)),
        "mode": draw(st.sampled_from(["batch", "stochastic", "minibatch"])),
        "batch_size": draw(st.integers(1, 5)),
        "l2": draw(st.sampled_from([0.0, 0.1, 1e10])),
        "frozen": draw(st.lists(st.sampled_from(["w1", "b1", "w111", "b11"]), max_size=1)),
        "init": {"seed": draw(st.integers(-1, 5)),
                 "method": draw(st.sampled_from(["uniform", "xavier", "he"])),
                 "low": draw(st.sampled_from([-0.5, -1e308])), "high": 0.5},
    }


COMMANDS = [["run", "--json"], ["run", "--no-color", "--width", "100"],
            ["run", "--no-color", "--explain", "b1"], ["run", "--json", "--iterations", "3"],
            ["validate", "--no-color"], ["show", "--no-color"], ["key"], ["worksheet"]]


@FUZZ
@given(scenario=scenarios(), command=st.sampled_from(COMMANDS))
def test_generated_scenarios(tmp_path, scenario, command):
    path = tmp_path / "generated.yaml"
    path.write_text(dump(scenario), encoding="utf-8")
    result = CliRunner().invoke(app, [command[0], str(path), *command[1:]])
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    assert "Warning" not in result.stderr
    if result.exit_code == 0 and "--json" in command:
        json.loads(result.stdout, parse_constant=_no_constants)
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


# --- custom activations ------------------------------------------------------------------------

EXPRESSION_LEAVES = st.sampled_from(["z", "z", "0", "1", "2", "0.5", "-1", "1e309", "1e-320",
                                     "1000", "9**9", "10**400", "(-2)", "sqrt(-1)"])


def _expression_branch(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    one = st.sampled_from(["exp", "log", "sqrt", "abs", "tanh", "sigmoid"])
    two = st.sampled_from(["max", "min"])
    op = st.sampled_from(["+", "-", "*", "/", "**"])
    return st.one_of(
        st.builds(lambda f, x: f"{f}({x})", one, inner),
        st.builds(lambda f, x, y: f"{f}({x}, {y})", two, inner, inner),
        st.builds(lambda x, o, y: f"({x}){o}({y})", inner, op, inner),
        st.builds(lambda x: f"-({x})", inner),
    )


EXPRESSIONS = st.one_of(
    st.recursive(EXPRESSION_LEAVES, _expression_branch, max_leaves=12),
    # deep nestings of one function, as the hostile examples were written
    st.builds(lambda f, n: f"{f}(" * n + "z" + ")" * n,
              st.sampled_from(["exp", "sigmoid", "tanh", "log", "sqrt"]), st.integers(1, 40)),
    st.builds(lambda b, n: f"({b})**{n}", st.sampled_from(["z+1", "z", "1-z", "exp(z)"]),
              st.sampled_from([2, 3, 50, 100, 101, 1000, -7, -101])),
)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(expression=EXPRESSIONS, command=st.sampled_from(["validate", "run", "worksheet"]))
def test_custom_expressions_end_in_a_result_or_one_error_within_10_seconds(tmp_path, expression,
                                                                           command):
    """No exit 1 and no run over 10 s (a subprocess timeout: a hang fails the test)."""
    path = tmp_path / "custom.yaml"
    quoted = expression.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text("inputs: [x]\nlayers:\n  - units: 2\n"
                    f"    activation: {{expression: \"{quoted}\"}}\n"
                    "    weights: [[0.6], [-0.9]]\n    biases: [0.1, 0.2]\n"
                    "  - units: 1\n    activation: linear\n    weights: [[0.5, -0.4]]\n"
                    "    biases: [0.0]\ndata:\n  - {inputs: [1.2], targets: [0.3]}\n"
                    "learning_rate: 0.1\n", encoding="utf-8")
    args = {"validate": ["validate", str(path)], "run": ["run", str(path), "--json"],
            "worksheet": ["worksheet", str(path), "-o", str(tmp_path / "sheet.yaml")]}[command]
    env = {**os.environ, "BACKPROP_TUTOR_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-m", "backprop_tutor", *args],
                            capture_output=True, text=True, timeout=10, env=env)
    assert result.returncode in (0, 2), (expression, result.stderr)
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        assert result.stderr.startswith("error: "), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    elif command == "run":
        json.loads(result.stdout, parse_constant=_no_constants)
