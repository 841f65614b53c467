"""A row's formula as every output writes it: the quantity's printed formula, as the mean over
the samples where the row is a batch's loss or gradient, plus the L2 term λ·w of a weight's
gradient. One place, so that the terminal, practice, answer sheets and keys say the same."""

from __future__ import annotations

from ..network.addresses import wrt
from ..notation.symbols import latex_symbol, symbol_text
from ..solution.lines import Line


def chain_text(line: Line) -> str:
    """The formula as text; a gradient's paths spaced so that a long chain wraps between its
    factors, never inside one."""
    if line.section == "gradients" and line.paths:
        return " + ".join(" · ".join(symbol_text(a) for a in path) for path in line.paths)
    return line.printed.text


def formula_text(line: Line, *, mean: bool = False) -> str:
    """The formula of a row as text: ``mean over samples of …`` for a batch's loss or gradient
    (``mean``), then ``+ λ·w`` for a weight's gradient under L2."""
    text = chain_text(line)
    if mean:  # or the sum, when the scenario sums (``reduction: sum``)
        text = f"{line.reduction} over samples of ({text})" if line.l2_term else \
            f"{line.reduction} over samples of {text}"
    return f"{text} + λ·{wrt(line.address)}" if line.l2_term else text


def formula_latex(line: Line, *, mean: bool = False) -> str:
    """The formula of a row in LaTeX (a line printed in the ``latex`` form), with the mean over
    the batch's m samples and the L2 term as ``formula_text`` says them."""
    tex = line.printed.text
    if mean:
        m = len(line.samples)
        scale = "" if line.summed else rf"\frac{{1}}{{{m}}}"
        tex = rf"{scale}\sum_{{s=1}}^{{{m}}} \left({tex}\right)"
    if line.l2_term:
        tex += rf" + \lambda {latex_symbol(wrt(line.address))}"
    return tex
