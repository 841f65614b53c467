"""Activation functions: each is a sympy expression in z; its derivative comes from sympy.

Every activation also names the form in which textbooks teach its derivative (for the sigmoid,
a(1 - a) rather than exp(-z)/(1 + exp(-z))^2). That form is only accepted after sympy has
derived the derivative itself and the two have been checked to agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .catalog import BUILTIN_NAMES, DISPLAY, LEAKY_ALPHA, canonical
from .checks import default_points, same_function
from .limits import SIMPLIFY_OPS
from .softmax import softmax_derivative

Z = sp.Symbol("z", real=True)
A = sp.Symbol("a", real=True)


@dataclass(frozen=True)
class Activation:
    """One elementwise activation a = f(z)."""

    name: str
    display: str
    build: Callable[[sp.Symbol], sp.Expr] = field(repr=False, compare=False)
    textbook: Callable[[sp.Symbol, sp.Symbol], sp.Expr] | None = field(
        default=None, repr=False, compare=False
    )
    parameters: tuple[tuple[str, float | str], ...] = ()
    coupled: bool = False  # softmax: each a depends on every z of the layer

    @cached_property
    def expression(self) -> sp.Expr:
        """f(z) in the generic symbol z (an elementwise activation only)."""
        if self.coupled:
            raise TypeError(f"{self.name} couples the units of a layer; see maths/softmax.py")
        return self.build(Z)

    @cached_property
    def derivative(self) -> sp.Expr:
        """df/dz as taught, in the generic symbols z and a; derived and checked by sympy.

        For softmax this is the diagonal ∂a_j/∂z_j; the layer's other factors come from
        ``softmax_derivative``.
        """
        if self.coupled:
            return softmax_derivative(0, 0, (A,))
        derived = sp.diff(self.expression, Z)
        if self.textbook is None:
            return at_kinks(_simplest(derived))
        taught = self.textbook(Z, A)
        if not same_function(derived, taught.subs(A, self.expression), {Z: default_points(Z)}):
            raise AssertionError(f"textbook derivative of {self.name} disagrees with sympy")
        return taught

    def derivative_in(self, z: sp.Symbol, a: sp.Symbol) -> sp.Expr:
        """df/dz as taught, in a unit's own symbols (built afresh to keep its written form)."""
        checked = self.derivative
        if self.textbook is None:
            return checked.xreplace({Z: z, A: a})
        return self.textbook(z, a)


def _function_kinds(expr: sp.Expr) -> set[type]:
    return {type(f) for f in expr.atoms(sp.Function)}


def _simplest(expr: sp.Expr) -> sp.Expr:
    # z·sign(z) is |z| for real z, which simplify does not see by itself
    tidy = expr.subs(Z * sp.sign(Z), sp.Abs(Z))
    if sp.count_ops(tidy) > SIMPLIFY_OPS:
        return tidy  # simplify's time grows too fast beyond this (maths/limits.py)
    simpler = sp.simplify(tidy)
    # shorter, and in functions the activation itself uses (no cosh for a sigmoid-based one)
    if (sp.count_ops(simpler) <= sp.count_ops(tidy)
            and _function_kinds(simpler) <= _function_kinds(expr)):
        return simpler
    return tidy


# how many kinks of a custom activation are looked for, and the largest degree of a polynomial
# whose roots are taken exactly
MAX_KINKS = 8
MAX_DEGREE = 4


def at_kinks(derivative: sp.Expr) -> sp.Expr:
    """A derivative that takes, at every kink, the one value of the convention of relu.

    At a kink the one-sided derivatives differ; the value taken there is the number between
    them nearest to 0: 0 when they have opposite signs (or one is 0), else the one of smaller
    size. That is relu′(0) = 0, leaky_relu′(0) = α, |z|′ = 0 at 0, max(z, 0)′ = 0 and
    min(z, 0)′ = 0 at 0, and hard tanh's 0 at ±1, as PyTorch computes them.

    sympy derives max and min with Heaviside (H(0) = ½) and |z| with sign (sign(0) = 0).
    Heaviside(g) becomes "1 if g > 0 else 0", which gives the convention's value for max(g, c)
    and min(g, c); at every kink where the argument g of a Heaviside or sign is a polynomial
    (piece) of degree at most 4, the one-sided values are worked out exactly and, where the
    result at the kink is not the convention's (max(z, 0.1z), |z| + 2z), the derivative takes
    the convention's value there by a branch of its own.
    """
    steps = [a for a in derivative.atoms(sp.Heaviside, sp.sign)]
    if not steps:
        return derivative
    shown = derivative.replace(lambda e: isinstance(e, sp.Heaviside),
                               lambda e: sp.Piecewise((1, e.args[0] > 0), (0, True)))
    kinks = sorted({r for step in steps for r in _zeros(step.args[0])}, key=float)[:MAX_KINKS]
    exceptions = []
    for c in kinks:
        sides = [_one_sided(derivative, steps, c, side) for side in (-1, 1)]
        if any(v is None for v in sides):
            continue
        left, right = sides
        value = sp.Integer(0) if left * right <= 0 else min(left, right, key=abs)
        if shown.xreplace({Z: c}) != value:
            exceptions.append((value, sp.Eq(Z, c)))
    return sp.Piecewise(*exceptions, (shown, True)) if exceptions else shown


def _zeros(g: sp.Expr) -> set[sp.Expr]:
    """The real z where g is exactly 0, found where a piece of g is a polynomial of low
    degree."""
    folded = sp.piecewise_fold(g.rewrite(sp.Piecewise))
    pieces = [e for e, _ in folded.args] if isinstance(folded, sp.Piecewise) else [folded]
    found = set()
    for piece in pieces:
        if not piece.is_polynomial(Z) or not 0 < sp.degree(piece, Z) <= MAX_DEGREE:
            continue
        for root in sp.Poly(piece, Z).real_roots():
            if sp.simplify(g.xreplace({Z: root})) == 0:
                found.add(root)
    return found


def _one_sided(derivative: sp.Expr, steps: list[sp.Expr], c: sp.Expr, side: int
               ) -> sp.Expr | None:
    """The limit of the derivative at c from the left (side −1) or right (+1): each step
    function takes its value just beside c, the rest (continuous there) its value at c."""
    beside = c + side * sp.Rational(1, 10**30)
    values = {}
    for step in steps:
        g = complex(step.args[0].xreplace({Z: beside}).evalf(60)).real
        sign = (g > 0) - (g < 0)
        values[step] = sp.Integer(sign) if isinstance(step, sp.sign) else sp.Integer(sign > 0)
    limit = derivative.xreplace(values).xreplace({Z: c})
    return limit if limit.is_finite and limit.is_real else None


def _sigmoid(z: sp.Symbol) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


def _relu_step(z: sp.Symbol, below: sp.Expr) -> sp.Expr:
    # 0 at z = 0, as PyTorch does
    return sp.Piecewise((1, z > 0), (below, True))


SIGMOID = Activation(
    "sigmoid", "σ", _sigmoid, lambda z, a: a * (1 - a)
)
LINEAR = Activation("linear", "", lambda z: z, lambda z, a: sp.Integer(1))
TANH = Activation("tanh", "tanh", sp.tanh, lambda z, a: 1 - a**2)
RELU = Activation(
    "relu", "relu", lambda z: sp.Max(0, z), lambda z, a: _relu_step(z, sp.Integer(0))
)
SOFTPLUS = Activation(
    "softplus", "softplus", lambda z: sp.log(1 + sp.exp(z)), lambda z, a: _sigmoid(z)
)


SOFTMAX = Activation(
    "softmax", "softmax", lambda z: sp.exp(z), lambda z, a: a * (1 - a), coupled=True
)


def leaky_relu(alpha: float) -> Activation:
    """Leaky ReLU with slope ``alpha`` below zero."""
    slope = sp.Float(alpha)
    return Activation(
        "leaky_relu",
        "leaky_relu",
        lambda z: sp.Piecewise((z, z > 0), (slope * z, True)),
        lambda z, a: _relu_step(z, slope),
        parameters=(("alpha", alpha),),
    )


BUILTIN: dict[str, Activation] = {
    act.name: act for act in (SIGMOID, LINEAR, TANH, RELU, SOFTPLUS, SOFTMAX)
}


def activation_named(name: str, **options: float) -> Activation:
    """The activation called ``name`` (aliases allowed)."""
    name = canonical(name)
    if name == "leaky_relu":
        return leaky_relu(options.get("alpha", LEAKY_ALPHA))
    return BUILTIN[name]


if tuple(BUILTIN) != BUILTIN_NAMES or any(DISPLAY[a.name] != a.display for a in BUILTIN.values()) \
        or DISPLAY["leaky_relu"] != leaky_relu(LEAKY_ALPHA).display:
    # catalog.py lists them for the reader, without sympy
    raise AssertionError("maths/catalog.py and the built-in activations disagree")
