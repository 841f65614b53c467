"""Addresses: the names by which every quantity of a worked solution is known.

They are what ``--explain`` takes, the keys of the JSON ``values`` map and of answer sheets,
and what grading reports. Every address is made here:

- a network scalar is its own name: ``w2``, ``z11``, ``a21``, ``T``, ``E``;
- a derivative ∂of/∂wrt is ``d{of}/d{wrt}``: ``dE/dw2``, ``da2/dz2``, ``dz2/da1``;
- a parameter after an update is ``{p}+``: ``w2+``;
- an optimizer's state of a parameter is ``{state}({p})``, after the update ``{state}({p})+``:
  the velocity ``v(w2)``, ``v(w2)+``; Adam's ``m(w2)+`` and its bias correction ``mhat(w2)``;
- the value of a quantity for sample s of a batch is ``{address}@{s}``: ``z1@2``.
"""

from __future__ import annotations

__all__ = ["at_sample", "base", "derivative", "normalise", "sample_of", "state", "state_of",
           "updated", "wrt"]


def derivative(of: str, wrt: str) -> str:
    """The address of ∂of/∂wrt: ``derivative("E", "w2") == "dE/dw2"``."""
    return f"d{of}/d{wrt}"


def updated(parameter: str) -> str:
    """The address of a parameter after this iteration's update: ``w2+``."""
    return f"{parameter}+"


def state(name: str, parameter: str) -> str:
    """The address of an optimizer's state of a parameter: ``state("v", "w2") == "v(w2)"``."""
    return f"{name}({parameter})"


def state_of(address: str) -> str | None:
    """The parameter whose optimizer state an address names (``v(w2)+``, ``mhat(w2)`` → ``w2``),
    or None."""
    kind, bracket, rest = address.partition("(")
    if not bracket or kind not in ("v", "m", "mhat", "vhat") or not rest.rstrip("+").endswith(")"):
        return None
    return rest.rstrip("+")[:-1]


def at_sample(address: str, sample: int | None) -> str:
    """The address of one sample's value (``z1@2``); ``sample`` None: the address itself."""
    return address if sample is None else f"{address}@{sample}"


def base(address: str) -> str:
    """The address without its sample: ``base("z1@2") == "z1"``."""
    return address.split("@", 1)[0]


def sample_of(address: str) -> int | None:
    """The sample an address names (``z1@2`` → 2), or None."""
    _, at, sample = address.partition("@")
    return int(sample) if at and sample.isdigit() else None


def wrt(address: str) -> str:
    """The variable a derivative's address is taken with respect to: ``wrt("dE/dw2") == "w2"``."""
    return address.split("/d", 1)[1]


def normalise(written: str) -> str:
    """An address as a person may write it, in the tool's spelling: ``∂E/∂w2`` → ``dE/dw2``,
    spaces dropped."""
    return written.replace("∂", "d").replace(" ", "").replace("m̂", "mhat").replace("v̂", "vhat")
