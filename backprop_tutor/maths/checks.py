"""Check that a textbook form of a derivative is the derivative sympy derived."""

from __future__ import annotations

import sympy as sp

# Points away from the kinks of relu-like functions and inside (0, 1) where a loss needs it.
_SAMPLE_POINTS = (-2.3, -0.7, 0.35, 0.81, 1.9)


def same_function(derived: sp.Expr, textbook: sp.Expr, variables: dict[sp.Symbol, tuple]) -> bool:
    """True when two expressions agree at every sample point of ``variables``.

    A numeric check at several points is decisive for the elementary functions used here and,
    unlike ``simplify``, cannot hang or fail on piecewise forms.
    """
    symbols = list(variables)
    columns = [variables[s] for s in symbols]
    for point in zip(*columns, strict=True):
        # 30-digit Floats put in place: sympy evaluates the functions of a number as it
        # rebuilds the tree, which is several times cheaper than subs() followed by evalf()
        mapping = {s: sp.Float(v, 30) for s, v in zip(symbols, point, strict=True)}
        lhs = complex(derived.xreplace(mapping).evalf(30))
        rhs = complex(textbook.xreplace(mapping).evalf(30))
        if abs(lhs - rhs) > 1e-12 * max(1.0, abs(lhs)):
            return False
    return True


def default_points(symbol: sp.Symbol, *, unit_interval: bool = False) -> tuple[float, ...]:
    """Sample points for one variable: anywhere, or inside (0, 1)."""
    if unit_interval:
        return (0.13, 0.37, 0.52, 0.71, 0.94)
    return _SAMPLE_POINTS
