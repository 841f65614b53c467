"""Custom activations that used to hang sympy or end in an internal error (issue 16, §3).

Each ends in under 10 s with exit 2 and one located line naming the limit, or runs (exit 0).
The time is bounded by the subprocess's timeout only: a run that hangs fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.errors import InputError
from backprop_tutor.maths import limits
from backprop_tutor.maths.expression import custom_activation, parse_expression
from backprop_tutor.network.kernels import layer_functions
from backprop_tutor.symbolic.kernel_source import activation_kernels


def nested(function: str, depth: int) -> str:
    return f"{function}(" * depth + "z" + ")" * depth


def scenario(expression: str) -> str:
    return ("inputs: [x]\nlayers:\n  - units: 1\n"
            f"    activation: {{expression: \"{expression}\"}}\n"
            "    weights: [[0.6]]\n    biases: [0.1]\n"
            "data:\n  - {inputs: [1.2], targets: [0.3]}\nlearning_rate: 0.1\n")


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKPROP_TUTOR_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "backprop_tutor", *args], capture_output=True,
                          text=True, timeout=10, env=env, cwd=tmp_path)


# the issue's examples: (formula, what the one line says)
REFUSED = [
    (nested("exp", 30), f"nests functions deeper than the limit of {limits.MAX_FUNCTION_NESTING}"),
    (nested("exp", 20), f"nests functions deeper than the limit of {limits.MAX_FUNCTION_NESTING}"),
    (nested("sigmoid", 6),
     f"nests functions deeper than the limit of {limits.MAX_FUNCTION_NESTING}"),
    ("(z+1)**1000", f"exponents are limited to ±{limits.MAX_EXPONENT}"),
    ("1e309*z", "the number 1e309 in the expression '1e309*z' is too large for floating point"),
    ("(-2)**z", "raises the negative number -2 to a power that is not a whole number"),
    ("sqrt(-1)*z", "is not a real number for real z"),
]


@pytest.mark.parametrize(("formula", "message"), REFUSED)
def test_hanging_or_crashing_formulas_are_refused_with_a_located_line(tmp_path, formula,
                                                                         message):
    (tmp_path / "s.yaml").write_text(scenario(formula), encoding="utf-8")
    result = run_cli(tmp_path, "run", "s.yaml", "--json")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: s.yaml:4:30: layers[0].activation.expression: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_clamp_written_with_min_and_max_runs(tmp_path):
    # its derivative has an And, which used to print as logical_and.reduce: internal error
    (tmp_path / "s.yaml").write_text(scenario("min(max(z, -1), 1)"), encoding="utf-8")
    for args in (["validate", "s.yaml"], ["run", "s.yaml", "--json"]):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 0, result.stderr
    f, df = layer_functions(*activation_kernels(custom_activation("min(max(z, -1), 1)")))
    z = np.array([[-3.0, -0.5, 0.25, 2.0]])
    assert f(z).tolist() == [[-1.0, -0.5, 0.25, 1.0]]
    assert df(z, f(z)).tolist() == [[0.0, 1.0, 1.0, 0.0]]


@pytest.mark.parametrize(("formula", "message"), [
    (nested("tanh", 5), "nests functions deeper than the limit of 4"),
    ("((z**10)**10)**10", "has the power z**1000, whose exponent is beyond the limit of ±100"),
    ("z*10**400", "exponents are limited to ±100"),
    ("log(-1)*z", "is not a real number for real z"),
    ("0**z", "the derivative of the expression '0**z' is not defined"),
    ("max(z, sqrt(-1))", "is not a real number for real z"),  # found by fuzzing: exit 1
    ("+".join(["z"] * 51), "more parts (numbers, z, operations and calls) than the limit of 100"),
    ("-" * 25 + "z", "nests operations deeper than the limit of 20"),
])
def test_each_limit_is_named(formula, message):
    with pytest.raises(InputError) as caught:
        parse_expression(formula)
    assert message in str(caught.value)


@pytest.mark.parametrize("formula", [
    nested("sigmoid", 4), nested("exp", 4), "(z+1)**100", "(1 + z**2)**-100",
    "exp(-z**2)*tanh(z)/(1+sqrt(1+z**2))", "10**100*z", "(-2)**3*z",
])
def test_formulas_at_the_limits_are_accepted_and_derived(formula):
    activation = custom_activation(formula)
    f, df = layer_functions(*activation_kernels(activation))
    z = np.array([[0.3, -0.2]])
    assert np.isfinite(df(z, f(z))).all()


# --- deep networks and practice's input (issue 16, §3) ------------------------------------------

def chain(layers: int) -> str:
    body = "".join("  - units: 1\n    activation: sigmoid\n    weights: [[0.5]]\n"
                   "    biases: [0.1]\n" for _ in range(layers))
    return (f"inputs: [x]\nlayers:\n{body}data:\n  - {{inputs: [1.0], targets: [0.3]}}\n"
            "learning_rate: 0.1\n")


@pytest.mark.parametrize("args", [["run", "s.yaml"], ["run", "s.yaml", "--json"]])
def test_a_chain_of_500_layers_is_refused_by_a_limit_of_its_own(tmp_path, args):
    # it ended in RecursionError (exit 1), though its 1,000 parameters are within the limit
    (tmp_path / "s.yaml").write_text(chain(500), encoding="utf-8")
    result = run_cli(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr == ("error: s.yaml:3:3: layers: the network has 500 layers, more than "
                             "the limit of 100\n")


def test_a_chain_at_the_layer_limit_runs(tmp_path):
    from backprop_tutor.scenario.limits import MAX_LAYERS

    (tmp_path / "s.yaml").write_text(chain(MAX_LAYERS), encoding="utf-8")
    result = run_cli(tmp_path, "run", "s.yaml", "--json")
    assert result.returncode == 0, result.stderr


def test_practice_refuses_an_input_without_line_ends(tmp_path):
    # practice < /dev/zero grew to 7.8 GB in 20 s
    env = {**os.environ, "BACKPROP_TUTOR_CACHE_DIR": str(tmp_path / "cache")}
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run([sys.executable, "-m", "backprop_tutor", "practice",
                                 "two_neuron"], stdin=zero, capture_output=True, text=True,
                                timeout=10, env=env)
    assert result.returncode == 2
    assert result.stderr == ("error: <stdin>: an answer is longer than the limit of 1,000 "
                             "characters\n")


@pytest.mark.parametrize("text", ["max(z, 1e-320)", "z + 1e-310", "z*1e-320", "z*1e-200*1e-200"])
def test_numbers_too_small_for_floating_point_are_refused(text):
    """1e-320 is a subnormal double: kept exact by sympy, it was printed as an integer ratio
    the kernel could not turn into a float (an internal error)."""
    with pytest.raises(InputError, match="too small for floating point"):
        parse_expression(text)
    assert parse_expression("z*1e-300") is not None
