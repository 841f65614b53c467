"""The ``--json`` document: the normalised scenario, the chains, each iteration's values, the
outcome (its types and schema: solution/json_types.py).

The parts come from the solution (solution/json_layout.py: the chains printed once per network
and cached, each iteration's numbers); this module puts them together and writes them. Strict
JSON: a non-finite number is written as null (the run's stop_reason says why). Small documents
are indented for reading; large ones are written compact (``is_large``).
"""

from __future__ import annotations

from typing import Any, TextIO

from pydantic import TypeAdapter

from ..scenario.optimizer import settings
from ..solution import json_layout, magnitudes
from ..solution.json_types import (
    MAX_ADDRESSED_SAMPLES,
    SCHEMA_VERSION,
    TRACE,
    ChainLayout,
    Iteration,
    NormalisedScenario,
    TraceDocument,
)
from ..solution.run import Run
from ..solution.values import iteration_values
from ..training.trace import IterationRecord

__all__ = ["ANY_JSON", "LARGE_DOCUMENT_NUMBERS", "MAX_ADDRESSED_SAMPLES", "SCHEMA_VERSION",
           "dumps", "is_large", "iteration_document", "normalised_scenario", "run_document",
           "write_json"]

# any JSON data, for ``as_type``: written as it is
ANY_JSON: TypeAdapter[Any] = TypeAdapter(Any)


def normalised_scenario(run: Run) -> NormalisedScenario:
    """The scenario with every default filled in and the initial parameters it trained from."""
    data = run.scenario.model_dump(mode="json", exclude_none=True)
    data["inputs"] = list(run.plan.inputs)
    if "optimizer" in data:  # its name and every option's value, defaults filled in
        name, options = settings(run.scenario)
        data["optimizer"] = {"name": name, **options}
    initial = run.trace.initial
    for layer, spec, w, b in zip(data["layers"], run.scenario.layers, initial.weights,
                                 initial.biases, strict=True):
        layer["weights"] = w.tolist()
        biases = spec.written_biases(b.tolist())
        if biases is not None:  # a layer without bias has none
            layer["biases"] = biases
    return data  # type: ignore[return-value]


def iteration_document(run: Run, record: IterationRecord) -> Iteration:
    """One iteration as the JSON contract describes it."""
    addressed = json_layout.addressed(record)
    document: Iteration = {
        "iteration": record.iteration,
        "epoch": record.epoch,
        "sample_indices": list(record.samples),
        "loss": record.loss,
        "values": iteration_values(run.plan, record, per_sample_values=addressed),
    }
    if not addressed:
        document["samples"] = json_layout.samples(record)
    if run.scenario.l2:
        document["l2"] = json_layout.weight_decay_terms(run, record)
    return document


def run_document(run: Run, layout: ChainLayout | None = None) -> TraceDocument:
    """The whole document (non-finite numbers are made null when it is written)."""
    trace = run.trace
    layout = layout or json_layout.chain_layout(run)
    document: TraceDocument = {
        "schema_version": SCHEMA_VERSION,
        "scenario": normalised_scenario(run),
        "factors": layout["factors"],
        "gradients": json_layout.gradients(run, layout),
        "sample_nodes": json_layout.sample_nodes(run),
        "iterations": [iteration_document(run, r) for r in trace.iterations],
        "history": list(trace.history),
        "running": list(trace.running),
        "final": {
            "epochs": trace.epochs_run,
            "iterations": trace.iteration_count,
            "loss": trace.final_loss,
            "parameters": run.final_parameters,
            "stop_reason": trace.stop_reason,  # type: ignore[typeddict-item]
        },
        "layer_magnitudes": magnitudes.document(run),
    }
    if run.rounding is not None and run.rounding_note is not None:
        document["rounding"] = {**run.rounding.to_data(), "note": run.rounding_note}
    return document


# Documents holding more numbers than this are written compact. A batch of 32 samples of a
# network with a hundred parameters stays well below it; one iteration of a thousand samples,
# or of thousands of parameters, is above it.
LARGE_DOCUMENT_NUMBERS = 100_000


def is_large(document: Any) -> bool:
    """Whether the document is written compact: it has an iteration of more than
    ``MAX_ADDRESSED_SAMPLES`` samples, or it holds more than ``LARGE_DOCUMENT_NUMBERS`` numbers."""
    iterations = document.get("iterations") if isinstance(document, dict) else None
    if isinstance(iterations, list) and any(
            isinstance(it, dict) and isinstance(it.get("sample_indices"), list)
            and len(it["sample_indices"]) > MAX_ADDRESSED_SAMPLES for it in iterations):
        return True
    # counted depth first, stopping as soon as the limit is passed: at most that many steps
    left = LARGE_DOCUMENT_NUMBERS
    stack = [document]
    while stack:
        obj = stack.pop()
        items = obj.values() if isinstance(obj, dict) else obj
        for value in items:
            if isinstance(value, (dict, list, tuple)):
                stack.append(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                left -= 1
                if left < 0:
                    return True
    return False


def dumps(document: Any, as_type: TypeAdapter[Any] = TRACE) -> str:
    """The document as strict JSON text: indented with two spaces, or compact if large.

    It is written by pydantic as its type (by default the ``--json`` document's, which warns
    where the document does not have that type): floats in their shortest form that reads back
    to the same double, a non-finite number as null.
    """
    indent = None if isinstance(document, (dict, list, tuple)) and is_large(document) else 2
    return as_type.dump_json(document, indent=indent).decode()


def write_json(document: Any, stream: TextIO, as_type: TypeAdapter[Any] = TRACE) -> None:
    """The text of ``dumps`` and a newline."""
    stream.write(dumps(document, as_type) + "\n")
