"""The shipped example scenarios, and how a SCENARIO argument becomes a file.

The YAML files live beside this module so that they are installed with the package; the
project's top-level ``scenarios`` folder points here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, close_names, did_you_mean
from ..files import what_it_is

FOLDER = Path(__file__).resolve().parent
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Example:
    """One shipped scenario: its name (the file name without .yaml), title and lesson, and
    its kind: a network (``layers:``) or a circuit (``nodes:``)."""

    name: str
    path: Path
    title: str
    teaches: str
    kind: str = "network"


def names() -> list[str]:
    """The names of the shipped scenarios, sorted."""
    # a dotted stem (house_price.textbook.yaml) is an answer sheet shipped beside its scenario
    return sorted(p.stem for p in FOLDER.iterdir()
                  if p.suffix in SUFFIXES and p.is_file() and "." not in p.stem)


def bundled() -> list[Example]:
    """Every shipped scenario with its title and what it teaches (each file is validated)."""
    from ..scenario.circuit_loader import Circuit, load_any

    out = []
    for name in names():
        path = bundled_path(name)
        scenario = load_any(path)
        kind = "circuit" if isinstance(scenario, Circuit) else "network"
        out.append(Example(name, path, scenario.title or name, scenario.teaches or "", kind))
    return out


def network_names() -> list[str]:
    """The names of the shipped network scenarios (``layers:``), which the commands that
    train take; the others are circuits (``nodes:``)."""
    from ..scenario.circuit_loader import is_circuit
    from ..scenario.yaml_source import read_yaml

    return [name for name in names() if not is_circuit(read_yaml(bundled_path(name)).data)]


def bundled_path(name: str) -> Path:
    """The file of a shipped scenario by name (``two_neuron`` or ``two_neuron.yaml``)."""
    stem = name[: -len(Path(name).suffix)] if Path(name).suffix in SUFFIXES else name
    for suffix in SUFFIXES:
        path = FOLDER / f"{stem}{suffix}"
        if path.is_file():
            return path
    raise KeyError(name)


def resolve(argument: str | os.PathLike[str]) -> Path:
    """A SCENARIO argument as a file: an existing path, else a shipped scenario's name."""
    path = Path(argument)
    if path.is_file():
        return path
    text = str(argument)
    if path.exists():
        kind = what_it_is(path) or "not a regular file"
        raise InputError(f"{text} is {kind}, not a scenario file")
    if os.sep not in text and "/" not in text:
        try:
            return bundled_path(text)
        except KeyError:
            pass
    shipped = names()
    if os.sep in text or "/" in text:
        raise InputError(f"{text}: no such file")
    hint = did_you_mean(close_names(path.stem, shipped))
    hint += " " if hint else ""
    raise InputError(f"no file '{text}' here, and no shipped example of that name; {hint}"
                     "`backprop-tutor examples` lists the shipped ones: " + ", ".join(shipped))
