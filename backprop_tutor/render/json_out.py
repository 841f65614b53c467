"""The ``--json`` document: the normalised scenario, each iteration's values, the outcome.

Strict JSON: a non-finite number is written as null (the run's stop_reason says why).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..api import Run
from ..trace import IterationRecord
from ..values import factor_values, iteration_values, parameter_values
from .printing import latex_text

SCHEMA_VERSION = 1
# Larger batches keep their per-sample numbers in ``samples`` only, not as ``@s`` addresses.
MAX_ADDRESSED_SAMPLES = 32


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return _finite(obj)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def normalised_scenario(run: Run) -> dict[str, Any]:
    """The scenario with every default filled in and the initial parameters it trained from."""
    data = run.scenario.model_dump(mode="json", exclude_none=True)
    data["inputs"] = list(run.graph.names.inputs)
    for layer, w, b in zip(data["layers"], run.trace.initial.weights, run.trace.initial.biases):
        layer["weights"] = w.tolist()
        layer["biases"] = b.tolist()
    return data


def _samples(run: Run, record: IterationRecord) -> list[dict[str, Any]]:
    out = []
    for s, index in enumerate(record.samples):
        nodes: dict[str, float] = {}
        for units, rec in zip(run.graph.layers, record.layers):
            for j, u in enumerate(units):
                nodes[u.net.name] = float(rec.z[s, j])
                nodes[u.out.name] = float(rec.a[s, j])
        out.append({
            "index": index,
            "inputs": record.inputs[s].tolist(),
            "targets": record.targets[s].tolist(),
            "nodes": nodes,
            "loss": float(record.sample_losses[s]),
        })
    return out


def _gradients(run: Run, record: IterationRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    single = len(record.samples) == 1
    printed: dict[str, tuple[str, str]] = {}
    values = {**_batch_gradients(run, record)}
    for chain in run.derivation.chains():
        paths = list(chain.paths()) if chain.expanded else [chain.compact()]
        factors = []
        seen: set[str] = set()
        for path in paths:
            for f in path:
                if f.address in seen:
                    continue
                seen.add(f.address)
                if f.address not in printed:
                    printed[f.address] = (str(f.expression), latex_text(f.expression))
                expression, latex = printed[f.address]
                per_sample = factor_values(f, record).tolist()
                entry = {"symbol": f.address, "expression": expression, "latex": latex,
                         "values": per_sample}
                if single:
                    entry["value"] = per_sample[0]
                factors.append(entry)
        out[chain.parameter.name] = {
            "value": values[chain.parameter.name],
            "form": "paths" if chain.expanded else "delta",
            "paths": [[f.address for f in path] for path in paths],
            "factors": factors,
        }
    return out


def _batch_gradients(run: Run, record: IterationRecord) -> dict[str, float]:
    weights = tuple(layer.grad_weights for layer in record.layers)
    biases = tuple(layer.grad_biases for layer in record.layers)
    return parameter_values(run.graph, weights, biases)


def iteration_document(run: Run, record: IterationRecord) -> dict[str, Any]:
    """One iteration as the JSON contract describes it."""
    values = iteration_values(run.graph, record,
                              per_sample_values=len(record.samples) <= MAX_ADDRESSED_SAMPLES)
    after = parameter_values(run.graph, tuple(r.weights_after for r in record.layers),
                             tuple(r.biases_after for r in record.layers))
    return {
        "iteration": record.iteration,
        "epoch": record.epoch,
        "sample_indices": list(record.samples),
        "loss": record.loss,
        "values": values,
        "samples": _samples(run, record),
        "gradients": _gradients(run, record),
        "parameters_after": after,
    }


def run_document(run: Run) -> dict[str, Any]:
    """The whole document."""
    trace = run.trace
    return _clean({
        "schema_version": SCHEMA_VERSION,
        "scenario": normalised_scenario(run),
        "iterations": [iteration_document(run, r) for r in trace.iterations],
        "history": list(trace.history),
        "final": {
            "epochs": trace.epochs_run,
            "iterations": trace.iteration_count,
            "loss": trace.final_loss,
            "parameters": run.final_parameters,
            "stop_reason": trace.stop_reason,
        },
    })


def dumps(document: dict[str, Any]) -> str:
    """The document as strict JSON text."""
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)
