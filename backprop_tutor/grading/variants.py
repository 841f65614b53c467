"""Per-student versions of an exercise: the same network (or circuit), other initial values and
inputs.

Each value is moved by a random amount (a quarter of its size, at least 0.1) and rounded to two
decimals, so that every variant is worked with numbers as easy to write as the original's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from ..scenario.loader import scenario_from_text
from ..signals import numpy_random
from ..solution.run import Run
from .sheet import VARIANT_ID


@dataclass(frozen=True)
class Variant:
    """One version of an exercise: its id and its scenario as YAML text."""

    id: str
    text: str


def _perturb(value: float, rng: np.random.Generator) -> float:
    spread = max(0.1, 0.25 * abs(value))
    moved = round(float(value + rng.uniform(-spread, spread)), 2)
    return moved + 0.0  # no -0.0 in a student's handout


def variant_data(run: Run, rng: np.random.Generator, title: str) -> dict[str, Any]:
    """The scenario of one variant, as plain data."""
    data = run.scenario.model_dump(mode="json", exclude_none=True)
    data.pop("init", None)  # every initial value is written out
    data["title"] = title
    initial = run.trace.initial
    for layer, spec, w, b in zip(data["layers"], run.scenario.layers, initial.weights,
                                 initial.biases, strict=True):
        layer["weights"] = [[_perturb(v, rng) for v in row] for row in w.tolist()]
        biases = spec.written_biases(b.tolist())  # the shared one once; none without bias
        if biases is not None:
            layer["biases"] = [_perturb(v, rng) for v in biases]
    for sample in data["data"]:
        sample["inputs"] = [_perturb(v, rng) for v in sample["inputs"]]
    return data


def make_variants(run: Run, count: int, seed: int) -> list[Variant]:
    """``count`` variants of a run's scenario, the same for the same seed."""
    rng = numpy_random().default_rng(seed)
    base = run.scenario.title or "Exercise"
    out = []
    for k in range(1, count + 1):
        ident = f"{k:02d}-{int(rng.integers(16 ** 4)):04x}"
        if not VARIANT_ID.fullmatch(ident):  # the only form a sheet may name
            raise ValueError(f"a variant's id {ident!r} is not of the form sheets use")
        data = variant_data(run, rng, f"{base} (variant {ident})")
        text = (f"# Variant {ident} (seed {seed}): same network, other initial values and "
                "inputs.\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        scenario_from_text(text, f"{ident}.yaml")  # every variant is a valid scenario
        out.append(Variant(ident, text))
    return out


# draws of a circuit variant before giving up: a drawn value can make a node undefined (1/v
# at v = 0), which the circuit's check refuses
CIRCUIT_DRAWS = 20


def make_circuit_variants(circuit, count: int, seed: int) -> list[Variant]:
    """``count`` variants of a circuit (scenario/circuit_schema.py): the same nodes, each input
    and parameter moved as a network's values are; the same for the same seed.

    Raises InputError when no valid variant is drawn in CIRCUIT_DRAWS tries."""
    from ..errors import InputError
    from ..scenario.circuit_loader import circuit_from_text

    rng = numpy_random().default_rng(seed)
    base = circuit.title or "Exercise"
    out = []
    for k in range(1, count + 1):
        ident = f"{k:02d}-{int(rng.integers(16 ** 4)):04x}"
        if not VARIANT_ID.fullmatch(ident):
            raise ValueError(f"a variant's id {ident!r} is not of the form sheets use")
        for _ in range(CIRCUIT_DRAWS):
            data = circuit.model_dump(mode="json", exclude_none=True)
            data["title"] = f"{base} (variant {ident})"
            for section in ("inputs", "parameters"):
                data[section] = {k: _perturb(v, rng) for k, v in data[section].items()}
            text = (f"# Variant {ident} (seed {seed}): same circuit, other inputs and "
                    "parameters.\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
            try:
                circuit_from_text(text, f"{ident}.yaml")  # every variant is a valid circuit
            except InputError:
                continue
            out.append(Variant(ident, text))
            break
        else:
            raise InputError(f"no valid variant {ident} in {CIRCUIT_DRAWS} draws: the circuit "
                             "is undefined near its values")
    return out
