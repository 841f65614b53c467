"""The ``--json`` document: the normalised scenario, each iteration's values, the outcome.

Strict JSON: a non-finite number is written as null (the run's stop_reason says why).
Large batches keep the document bounded: their per-sample numbers are in ``samples`` only,
not as ``@s`` addresses in ``values`` nor as per-sample ``values`` of each chain factor.
Small documents are indented for reading; large ones are written compact (``is_large``).
The printed chains (json_layout.py, sympy) are made once per network and kept (cache.py); this
module only puts each iteration's numbers in, and imports no sympy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np
from pydantic_core import PydanticSerializationError, to_json

from ..solution.cache import cached
from ..solution.run import Run
from ..solution.values import iteration_values, located_values, parameter_values
from ..training.trace import IterationRecord

SCHEMA_VERSION = 1
# Larger batches keep their per-sample numbers in ``samples`` only.
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
    data["inputs"] = list(run.plan.inputs)
    initial = run.trace.initial
    for layer, w, b in zip(data["layers"], initial.weights, initial.biases, strict=True):
        layer["weights"] = w.tolist()
        layer["biases"] = b.tolist()
    return data


def _samples(run: Run, record: IterationRecord) -> list[dict[str, Any]]:
    names = [name for layer in run.plan.layers for u in layer.units
             for name in (u.net, u.out)]
    # one row per sample: z and a of every unit, interleaved as ``names`` lists them
    rows = np.hstack([np.stack([rec.z, rec.a], axis=2).reshape(len(record.samples), -1)
                      for rec in record.layers]).tolist()
    inputs = record.inputs.tolist()
    targets = record.targets.tolist()
    losses = record.sample_losses.tolist()
    return [{
        "index": index,
        "inputs": inputs[s],
        "targets": targets[s],
        "nodes": dict(zip(names, rows[s], strict=True)),
        "loss": losses[s],
    } for s, index in enumerate(record.samples)]


@dataclass(frozen=True)
class _ChainLayout:
    name: str
    form: str
    paths: list[list[str]]
    factors: list[str]  # addresses of its distinct factors
    l2_index: tuple[int, int, int] | None  # record layer, unit, input of its λ·w term
    frozen: bool


class _Layout:
    """What every iteration's ``gradients`` share: each chain's form, paths and factors, and
    each factor's printed entry and place in a record (json_layout.py, or the cache)."""

    def __init__(self, run: Run) -> None:
        data = cached("json-layout", run.scenario, lambda: _layout_data(run), _checked_layout)
        self.entries: dict[str, dict[str, Any]] = data["entries"]
        self.places: dict[str, tuple[str, tuple[int, ...]]] = {
            address: (role, tuple(where)) for address, (role, where) in data["places"].items()}
        frozen = set(run.scenario.frozen)
        index = run.plan.parameter_index
        self.chains: list[_ChainLayout] = []
        for name, form, paths, factors in data["chains"]:
            kind, layer, unit, i = index[name]
            l2 = (layer - 1, unit - 1, i - 1) if run.scenario.l2 and kind == "weight" else None
            self.chains.append(_ChainLayout(name, form, paths, factors, l2, name in frozen))


def _layout_data(run: Run) -> dict[str, Any]:
    from ..solution.json_layout import layout_data  # sympy: only when no cache entry has the layout

    return layout_data(run)


def _checked_layout(data: Any) -> dict[str, Any]:
    # a stored layout is used only if it has the shape layout_data gives
    entries, places, chains = data["entries"], data["places"], data["chains"]
    if not (isinstance(entries, dict) and isinstance(places, dict)
            and entries.keys() == places.keys() and isinstance(chains, list)):
        raise ValueError("not a layout")
    referenced: set[str] = set()
    for name, form, paths, factors in chains:
        if not (isinstance(name, str) and form in ("paths", "delta")):
            raise ValueError("not a chain")
        referenced.update(factors)
        for path in paths:
            referenced.update(path)
    if not referenced <= entries.keys():
        raise KeyError("a chain names a factor the layout does not have")
    for role, where in places.values():
        if not (isinstance(role, str) and all(type(w) is int for w in where)):
            raise ValueError("not a place")
    for entry in entries.values():
        if not (type(entry["symbol"]) is str and type(entry["expression"]) is str
                and type(entry["latex"]) is str):
            raise ValueError("not an entry")
    return data


def _gradients(run: Run, record: IterationRecord, layout: _Layout) -> dict[str, Any]:
    out: dict[str, Any] = {}
    single = len(record.samples) == 1
    per_sample = len(record.samples) <= MAX_ADDRESSED_SAMPLES
    values = _batch_gradients(run, record)
    # without per-sample numbers a factor's entry is the same in every iteration
    entries = {} if per_sample else layout.entries

    def entry(address: str) -> dict[str, Any]:
        found = entries.get(address)
        if found is None:
            numbers = located_values(*layout.places[address], record).tolist()
            found = {**layout.entries[address], "values": numbers}
            if single:
                found["value"] = numbers[0]
            entries[address] = found
        return found

    for chain in layout.chains:
        gradient = {
            "value": values[chain.name],
            "form": chain.form,
            "paths": chain.paths,
            "factors": [entry(f) for f in chain.factors],
        }
        if chain.l2_index is not None:
            # weight decay's own term of the gradient: λ·w, added to the sum over the paths
            layer, unit, i = chain.l2_index
            gradient["l2"] = {"symbol": "λ·" + chain.name, "lambda": run.scenario.l2,
                              "value": float(record.layers[layer].l2_weights[unit, i])}
        if chain.frozen:
            gradient["frozen"] = True
        out[chain.name] = gradient
    return out


def _batch_gradients(run: Run, record: IterationRecord) -> dict[str, float]:
    weights = tuple(layer.grad_weights for layer in record.layers)
    biases = tuple(layer.grad_biases for layer in record.layers)
    return parameter_values(run.plan, weights, biases)


def iteration_document(run: Run, record: IterationRecord,
                       layout: _Layout | None = None) -> dict[str, Any]:
    """One iteration as the JSON contract describes it."""
    values = iteration_values(run.plan, record,
                              per_sample_values=len(record.samples) <= MAX_ADDRESSED_SAMPLES)
    after = parameter_values(run.plan, tuple(r.weights_after for r in record.layers),
                             tuple(r.biases_after for r in record.layers))
    return {
        "iteration": record.iteration,
        "epoch": record.epoch,
        "sample_indices": list(record.samples),
        "loss": record.loss,
        "values": values,
        "samples": _samples(run, record),
        "gradients": _gradients(run, record, layout or _Layout(run)),
        "parameters_after": after,
    }


def run_document(run: Run) -> dict[str, Any]:
    """The whole document (non-finite numbers are made null when it is written)."""
    trace = run.trace
    layout = _Layout(run)
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": normalised_scenario(run),
        "iterations": [iteration_document(run, r, layout) for r in trace.iterations],
        "history": list(trace.history),
        "final": {
            "epochs": trace.epochs_run,
            "iterations": trace.iteration_count,
            "loss": trace.final_loss,
            "parameters": run.final_parameters,
            "stop_reason": trace.stop_reason,
        },
    }


def dumps(document: dict[str, Any]) -> str:
    """The document as strict JSON text: indented down to its flat parts, or compact if large.

    Indented, every key of a mapping is on its own line and a list of numbers or strings (or of
    such lists) is on one line; those flat parts, nearly all of a document, go through the json
    module's C encoder in one call each. A large document (``is_large``: a batch of more than 32
    samples, or more than ``LARGE_DOCUMENT_NUMBERS`` numbers) is written without line breaks
    or spaces: nobody reads it by eye, and it is written several times faster.
    """
    chunks: list[str] = []
    _writer(document)(document, "", chunks.append)
    return "".join(chunks)


def write_json(document: dict[str, Any], stream: TextIO) -> None:
    """The text of ``dumps`` and a newline, written piece by piece: a large run's text is
    never held whole in memory."""
    pending: list[str] = []
    size = 0

    def emit(chunk: str) -> None:
        # gathered into large writes: an unbuffered stdout would make each piece a system call
        nonlocal size
        pending.append(chunk)
        size += len(chunk)
        if size >= _WRITE_SIZE:
            stream.write("".join(pending))
            pending.clear()
            size = 0

    _writer(document)(document, "", emit)
    pending.append("\n")
    stream.write("".join(pending))


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


def _writer(document: Any) -> Callable[[Any, str, Callable[[str], Any]], None]:
    if isinstance(document, (dict, list, tuple)) and is_large(document):
        return _write_compact
    return _write


_INDENT = "  "
_WRITE_SIZE = 1 << 20  # characters per write
_SCALARS = (str, int, float, bool, type(None))
_encoders: dict[str, json.JSONEncoder] = {}


def _encoder(item_separator: str, key_separator: str = ": ") -> json.JSONEncoder:
    found = _encoders.get(item_separator + key_separator)
    if found is None:
        found = json.JSONEncoder(ensure_ascii=False, allow_nan=False,
                                 separators=(item_separator, key_separator))
        _encoders[item_separator + key_separator] = found
    return found


def _encode(obj: Any, item_separator: str = ", ", key_separator: str = ": ") -> str:
    encoder = _encoder(item_separator, key_separator)
    try:
        return encoder.encode(obj)
    except ValueError:  # a non-finite number: strict JSON has only null for it
        return encoder.encode(_clean(obj))


def _flat_list(obj: Any) -> bool:
    return isinstance(obj, (list, tuple)) and all(
        isinstance(v, _SCALARS) or (isinstance(v, (list, tuple))
                                    and all(isinstance(w, _SCALARS) for w in v))
        for v in obj)


def _flat_value(obj: Any) -> bool:
    return isinstance(obj, _SCALARS) or _flat_list(obj)


def _write(obj: Any, indent: str, emit: Callable[[str], Any]) -> None:
    inner = indent + _INDENT
    if isinstance(obj, dict):
        if not obj:
            emit("{}")
        elif all(isinstance(v, _SCALARS) for v in obj.values()):
            text = _encode(obj, ",\n" + inner)
            emit("{\n" + inner + text[1:-1] + "\n" + indent + "}")
        else:
            emit("{")
            separator = "\n"
            for key, value in obj.items():
                emit(separator + inner + _encode(str(key)) + ": ")
                if _flat_value(value):
                    emit(_encode(value))
                else:
                    _write(value, inner, emit)
                separator = ",\n"
            emit("\n" + indent + "}")
    elif isinstance(obj, (list, tuple)):
        if _flat_list(obj):
            emit(_encode(obj))
        else:
            emit("[")
            separator = "\n"
            for value in obj:
                emit(separator + inner)
                _write(value, inner, emit)
                separator = ",\n"
            emit("\n" + indent + "]")
    else:
        emit(_encode(obj))


# Containers this deep or deeper are encoded in one call each (an iteration's ``samples``, its
# ``gradients``): large enough for the encoder to do nearly all the work, small enough that
# the text of a whole run is never in memory at once.
_COMPACT_SPLIT_DEPTH = 3


def _compact(obj: Any) -> str:
    # pydantic's serialiser (Rust) writes floats several times faster than the json module's
    # C encoder, in their shortest round-trip form, and a non-finite number as null
    try:
        return to_json(obj, inf_nan_mode="null").decode()
    except (PydanticSerializationError, TypeError, ValueError):
        return _encode(obj, ",", ":")


def _write_compact(obj: Any, indent: str, emit: Callable[[str], Any], depth: int = 0) -> None:
    if depth >= _COMPACT_SPLIT_DEPTH or not isinstance(obj, (dict, list, tuple)) or not obj:
        emit(_compact(obj))
    elif isinstance(obj, dict):
        separator = "{"
        for key, value in obj.items():
            emit(separator + _encode(str(key)) + ":")
            _write_compact(value, indent, emit, depth + 1)
            separator = ","
        emit("}")
    else:
        separator = "["
        for value in obj:
            emit(separator)
            _write_compact(value, indent, emit, depth + 1)
            separator = ","
        emit("]")
