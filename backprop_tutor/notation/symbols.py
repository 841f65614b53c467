"""Textbook notation without sympy: names as shown (∂E/∂a2, a_{21}), and the numbers of a
printed formula put into its template (symbolic/printers.py prints the formulas themselves)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numbers import number


@dataclass(frozen=True)
class Printed:
    """A formula printed once: as text, and as a template for its numbers (symbolic/printers)."""

    text: str  # w1·x1 + b1
    template: str  # the numbers form with a token where each symbol's number goes
    names: tuple[str, ...]  # the symbol of each token, in token order

    def reads_only(self, symbols: set[str] | frozenset[str]) -> bool:
        """Whether every token of the template stands for one of ``symbols`` or a constant
        (``=0.5``), and every token's index names one of ``names``: what a printed form read
        back from a file must satisfy before its numbers are put in."""
        for name in self.names:
            if name.startswith("="):
                try:
                    float(name[1:])
                except ValueError:
                    return False
            elif name not in symbols:
                return False
        return all(int(m.group(2)) < len(self.names)
                   for m in _TOKENS.finditer(self.template))

# where a number goes in a printed template: a negative one in parentheses (0.2 × (−0.32)),
# or, where a group starts, without them (−0.32 × 0.2)
TOKEN = "\ue000{}\ue001"
BARE_TOKEN = "\ue002{}\ue001"
_TOKENS = re.compile("([\ue000\ue002])(\\d+)\ue001")


def symbol_text(name: str) -> str:
    """A symbol's name as shown: ``dE/da2`` becomes ``∂E/∂a2``, ``w2+`` stays, and a
    product of derivatives (a circuit's ``df/dq*dq/dx``) becomes ``∂f/∂q·∂q/∂x``."""
    if "*" in name:
        return "·".join(symbol_text(part) for part in name.split("*"))
    if "/" in name and name.startswith("d"):
        top, bottom = name.split("/", 1)
        return f"∂{top[1:]}/∂{bottom[1:]}"
    if name.startswith(("mhat(", "vhat(")):  # Adam's bias corrections: m̂(w2), v̂(w2)
        return name[0] + "\u0302" + name[4:]
    return name


def symbol_number(value: float, precision: int) -> str:
    """A symbol's number in a formula: negative ones in parentheses, 0.2 × (−0.32)."""
    text = number(value, precision)
    # keep the sign with its number: 0.2 × (−0.32)
    return f"({text})" if text.startswith("−") else text


# what follows the base of a power in a printed form: a superscript digit or sign, or ^
_POWER = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺^")


def filled_numbers(printed: Printed, numbers: dict[str, float], precision: int = 4) -> str:
    """A printed form's numbers text: its template with the numbers put in (no sympy). The base
    of a power is put in parentheses when it is negative or written with an exponent:
    (2.9e−5)², never 2.9e−5², which reads as 2.9 × 10⁻⁵²."""
    template = printed.template

    def put(match: re.Match[str]) -> str:
        key = printed.names[int(match.group(2))]
        if key.startswith("="):
            text = number(float(key[1:]), precision)
        elif match.group(1) == "\ue002":
            text = number(numbers[key], precision)
        else:
            text = symbol_number(numbers[key], precision)
        if template[match.end():match.end() + 1] in _POWER and not text.startswith("(") \
                and ("e" in text or text.startswith("−")):
            return f"({text})"
        return text

    return _TOKENS.sub(put, template)


def latex_symbol(name: str) -> str:
    """A scalar's name in LaTeX: ``a21`` → ``a_{21}``, ``dE/dw2`` → a ∂ fraction."""
    if "/" in name and name.startswith("d"):
        top, bottom = name.split("/", 1)
        return rf"\frac{{\partial {latex_symbol(top[1:])}}}{{\partial {latex_symbol(bottom[1:])}}}"
    greek = {"η": r"\eta", "λ": r"\lambda", "δ": r"\delta", "σ": r"\sigma", "μ": r"\mu",
             "ρ": r"\rho", "ε": r"\varepsilon", "β1": r"\beta_{1}", "β2": r"\beta_{2}"}
    if name in greek:
        return greek[name]
    held = re.fullmatch(r"(mhat|vhat|m|v)\((.+)\)(\+?)", name)
    if held:  # an optimizer's state of a parameter: v_{w_{2}}^{+}, \hat{m}_{w_{2}}
        kind, parameter, plus = held.groups()
        letter = rf"\hat{{{kind[0]}}}" if kind.endswith("hat") else kind
        return f"{letter}_{{{latex_symbol(parameter)}}}" + ("^{+}" if plus else "")
    plus = name.endswith("+")
    core = name[:-1] if plus else name
    m = re.fullmatch(r"([A-Za-z]+?)(\d[\d_]*)", core)
    text = core if not m else f"{m.group(1)}_{{{m.group(2).replace('_', ',')}}}"
    return text + ("^{+}" if plus else "")
