"""Derived sympy expressions → NumPy kernels, printed once per kind (kernels.py compiles them)."""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..maths.activations import A as ACT_A
from ..maths.activations import Activation
from ..maths.activations import Z as ACT_Z
from ..maths.losses import LOSSES, Loss
from ..maths.losses import A as LOSS_A
from ..maths.losses import T as LOSS_T
from ..network.kernels import Kernel
from ..network.plan import Kernels
from ..scenario.schema import Scenario
from .graph import layer_activation

__all__ = ["activation_kernels", "kernel_of", "loss_kernels", "scenario_kernels"]


class _KernelPrinter(NumPyPrinter):
    """NumPy text as ``lambdify`` prints it, except that ``And``/``Or`` become nested calls of
    the ufuncs (``logical_and(p, q)``) rather than ``logical_and.reduce((p, q))``, which
    network/kernels.py does not accept: the derivative of ``min(max(z, -1), 1)`` has them."""

    def _logical(self, name: str, args: tuple[sp.Basic, ...]) -> str:
        text = self._print(args[0])
        for arg in args[1:]:
            text = f"{self._module_format(self._module + '.' + name)}({text}, {self._print(arg)})"
        return text

    def _print_And(self, expr: sp.And) -> str:
        return self._logical("logical_and", expr.args)

    def _print_Or(self, expr: sp.Or) -> str:
        return self._logical("logical_or", expr.args)


def kernel_of(expr: sp.Expr, args: tuple[sp.Symbol, ...]) -> Kernel:
    """An expression as NumPy text, printed as ``sympy.lambdify`` prints it for NumPy."""
    printer = _KernelPrinter({"fully_qualified_modules": False, "inline": True,
                              "allow_unknown_functions": True})
    return Kernel(tuple(a.name for a in args), printer.doprint(expr))


@cache
def activation_kernels(activation: Activation) -> tuple[Kernel | None, Kernel]:
    """(f(z), f′(z, a)) of an activation as kernels; softmax has no elementwise f."""
    df = kernel_of(activation.derivative, (ACT_Z, ACT_A))
    if activation.coupled:
        return None, df
    return kernel_of(activation.expression, (ACT_Z,)), df


@cache
def loss_kernels(loss: Loss) -> tuple[Kernel, Kernel]:
    """(l(a, T), ∂l/∂a(a, T)) of a loss's per-output term as kernels."""
    return kernel_of(loss.term, (LOSS_A, LOSS_T)), kernel_of(loss.derivative, (LOSS_A, LOSS_T))


def scenario_kernels(scenario: Scenario) -> Kernels:
    """Every kernel a scenario's training needs, derived by sympy."""
    activations = [layer_activation(layer.activation) for layer in scenario.layers]
    loss = LOSSES[scenario.loss]
    scale = float(loss.scale(scenario.layers[-1].units))
    letters = scenario.symbols
    formula = loss.formula(letters.loss, letters.target, letters.activation)
    if scenario.reduction == "sum":  # E is the sum of the batch's E_s, not their mean
        formula = formula.replace("(1/m) ", "").replace("(1/(m·K))", "(1/K)")
    return Kernels(tuple(activation_kernels(a) for a in activations), loss_kernels(loss), scale,
                   tuple((a.name, a.display or a.name) for a in activations), formula)
