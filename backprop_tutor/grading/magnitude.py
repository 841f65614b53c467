"""How large the terms of a quantity's formula are, and the absolute tolerance that follows.

A key that is a sum of terms of opposite signs can be far smaller than its terms: z = 0.1·1 +
0.2·1 − 0.3 is 0 by hand, and 5.551e−17 in binary floating point; z = 0.5 − 0.499 is 0.001,
while a student who carries each term to 0.5% can be 0.0025 off. A tolerance relative to the
key alone marks both wrong. So each quantity's key gets an absolute tolerance from the
magnitudes in its own formula:

    abs = (rel + γ_k) · Σ |terms|

where the terms are those the formula adds or subtracts at its top (z = Σ w·a + b has the
terms w·a and b; −(T − a) has T and a; a product, a power or a function's value, a(1 − a) or
relu′'s 1 or 0, is one term), and for a gradient over a batch the terms of every sample's
product, averaged as the gradient is; γ_k = k·u/(1 − k·u) bounds the rounding of a formula of
k operations (N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM
2002, §3.1, Lemma 3.1 and eq. (3.5): |fl(Σ t) − Σ t| ≤ γ_n Σ |t|). The rel·Σ |terms| part is
the relative tolerance applied to the numbers the student adds, which is what a hand
calculation carries; the γ_k part makes a key that is 0 up to rounding accept 0 even with
``--rel-tol 0``. For a product (a chain of factors) Σ |terms| is |key| and nothing changes.
``--abs-tol`` stays a floor under it. An update is judged by its change (grading/tolerance.py,
``change_matches``) and keeps the tolerance it is given.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache

import numpy as np

from ..network.kernels import Kernel, compile_kernel
from .solution import Solution
from .tolerance import Tolerance

U = 2.0**-53  # the unit roundoff of IEEE double precision

Sized = Callable[[Sequence[np.float64]], tuple[float, float]]  # args → (value, Σ |terms|)


def tolerance_for(solution: Solution, address: str, tol: Tolerance) -> Tolerance:
    """The tolerance of one quantity: ``tol`` with its absolute part raised to
    (rel + γ_k)·Σ |terms| of the quantity's formula (not for an update, whose change is
    judged). Against a key rounded as by hand (training/hand_rounding.py) the absolute part is
    at least one unit of the key's last digit kept, for an update too: the key carries its own
    rounding, half a unit, and what earlier roundings moved it, so an answer carried with
    every digit (w1+ = 0.14959 for the key 0.1496) is not marked wrong for the key's rounding."""
    rule = solution.run.rounding
    if rule is not None:
        unit = rule.slack(solution.key[address])
        tol = replace(tol, abs=unit) if unit > tol.abs else tol
    if solution.start(address) is not None:
        return tol
    size = term_size(solution, address)
    if size is None:
        return tol
    derived = (tol.rel + _gamma(size[1])) * size[0]
    return replace(tol, abs=derived) if derived > tol.abs else tol


def term_size(solution: Solution, address: str) -> tuple[float, int] | None:
    """(Σ |terms| of the quantity's shown formula with the key's numbers, the number of
    operations that computed it); None where the worked solution has no formula for it."""
    step = solution.steps.get(address)
    if step is None or not step.formulas:
        return None
    formula = step.formulas[0]
    sized, operations = _sized(formula.source, len(formula.names))
    env = solution.base_env
    total = 0.0
    for suffix in step.suffixes:
        try:
            args = [np.float64(env[name + suffix if suffix and name + suffix in env else name])
                    for name in formula.names]
        except KeyError:
            return None
        with np.errstate(all="ignore"):
            total += sized(args)[1]
    size = total / len(step.suffixes) + abs(step.constant)
    return (size, operations + len(step.suffixes)) if math.isfinite(size) else None


def _gamma(k: int) -> float:
    return k * U / (1.0 - k * U)


@cache
def _sized(source: str, count: int) -> tuple[Sized, int]:
    """A formula's (value, Σ |terms|) as a function of its arguments v0, v1, …, and how many
    operations it has."""
    names = tuple(f"v{i}" for i in range(count))
    tree = ast.parse(source, mode="eval").body
    operations = sum(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Call)) for n in ast.walk(tree))
    return _node(tree, names), operations


def _node(tree: ast.AST, names: tuple[str, ...]) -> Sized:
    # the formula's sums and differences, from the top, are taken apart; every other part
    # (a product, a power, a function's value) is one term
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Add, ast.Sub)):
        left, right = _node(tree.left, names), _node(tree.right, names)
        sign = 1.0 if isinstance(tree.op, ast.Add) else -1.0

        def binary(args: Sequence[np.float64]) -> tuple[float, float]:
            (a, sa), (b, sb) = left(args), right(args)
            return a + sign * b, sa + sb
        return binary
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, (ast.USub, ast.UAdd)):
        inner = _node(tree.operand, names)
        sign = -1.0 if isinstance(tree.op, ast.USub) else 1.0

        def unary(args: Sequence[np.float64]) -> tuple[float, float]:
            value, size = inner(args)
            return sign * value, size
        return unary
    function = compile_kernel(Kernel((*names, "unused"), ast.unparse(tree)))

    def term(args: Sequence[np.float64]) -> tuple[float, float]:
        value = float(np.asarray(function(*args, np.float64(0.0))).reshape(-1)[0])
        return value, abs(value)
    return term
