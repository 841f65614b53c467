"""The questions of a worksheet: every quantity a student works out, in textbook order."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .solution import Solution

SECTIONS = {"forward": "Forward pass", "loss": "Loss",
            "factors": "Backward pass: local derivatives and δ",
            "gradients": "Gradients", "updates": "Updates"}


@dataclass(frozen=True)
class Question:
    """One quantity to work out, and the formula to use."""

    address: str
    section: str
    formula: sp.Expr


def questions(solution: Solution) -> list[Question]:
    """Every computed quantity of the iteration (inputs and targets are given, not asked)."""
    out = []
    for address, step in solution.steps.items():
        line = solution.lines.get(step.base)
        formula = line.formula if line is not None else (
            step.formulas[0].expression if step.formulas else sp.Symbol(step.base))
        section = "loss" if step.base == solution.graph.loss_symbol.name else step.section
        out.append(Question(address, section, formula))
    return out
