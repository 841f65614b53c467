"""The parts of a run's ``--json`` document, as plain data of the types in json_types.py.

The chains (each factor's printed form, each gradient's paths) depend only on the network: they
are printed with sympy once per network (chain_text.py) and kept (cache.py); a later run of the
same network reads them back without importing sympy. Each iteration's numbers come from its
record. render/json_out.py puts the parts together and writes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..training.trace import IterationRecord
from .cache import cached
from .json_types import LAYOUT, MAX_ADDRESSED_SAMPLES, ChainLayout, Gradient, Sample
from .lines import vocabulary
from .run import Run


def chain_layout(run: Run) -> ChainLayout:
    """The network's chains: printed now, or read back from the cache."""
    return cached("json-layout", run.scenario, lambda: _printed_layout(run),
                  lambda data: _checked_layout(data, run))


def _printed_layout(run: Run) -> ChainLayout:
    from .chain_text import chain_layout as printed  # sympy: only when the cache has no entry

    return printed(run)


def _checked_layout(data: Any, run: Run) -> ChainLayout:
    """The layout, if it has the type chain_layout gives, a gradient for each of the network's
    parameters and nothing else, and only factors of the network; else a ValueError or KeyError
    (and the layout is printed again)."""
    layout: ChainLayout = LAYOUT.validate_python(data, strict=True)
    factors = layout["factors"]
    known, _ = vocabulary(run.plan)
    if set(layout["gradients"]) != set(run.plan.parameter_index) or not set(factors) <= known:
        raise ValueError("not this network's chains")
    for gradient in layout["gradients"].values():
        for path in gradient["paths"]:
            if not all(address in factors for address in path):
                raise KeyError("a chain names a factor the layout does not have")
    return layout


def gradients(run: Run, layout: ChainLayout) -> dict[str, Gradient]:
    """Parameter → how its gradient is built, with weight decay's term and frozen marks."""
    frozen = set(run.scenario.frozen)
    index = run.plan.parameter_index
    out: dict[str, Gradient] = {}
    for name, form in layout["gradients"].items():
        gradient: Gradient = {"form": form["form"], "paths": form["paths"]}
        if run.scenario.l2 and index[name][0] == "weight":
            gradient["l2"] = {"symbol": "λ·" + name, "lambda": run.scenario.l2}
        if name in frozen:
            gradient["frozen"] = True
        out[name] = gradient
    return out


def addressed(record: IterationRecord) -> bool:
    """Whether the iteration's per-sample numbers are in its ``values`` (``z1@2``)."""
    return len(record.samples) <= MAX_ADDRESSED_SAMPLES


def sample_nodes(run: Run) -> list[str]:
    """The names of a sample's ``nodes``: the net input of every unit, layer by layer."""
    return [u.net for layer in run.plan.layers for u in layer.units]


def samples(record: IterationRecord) -> list[Sample]:
    """Each sample of the batch: its index, every unit's z (``sample_nodes``), its loss."""
    rows = np.hstack([rec.z for rec in record.layers]).tolist()
    losses = record.sample_losses.tolist()
    return [{"index": index, "nodes": rows[s], "loss": losses[s]}
            for s, index in enumerate(record.samples)]


def weight_decay_terms(run: Run, record: IterationRecord) -> dict[str, float]:
    """Weight → its term λ·w of this iteration's gradient."""
    out: dict[str, float] = {}
    for layer, rec in zip(run.plan.layers, record.layers, strict=True):
        rows = rec.l2_weights.tolist()
        for j, u in enumerate(layer.units):
            for name, value in zip(u.weights, rows[j], strict=True):
                out[name] = value
    return out
