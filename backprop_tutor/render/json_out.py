"""The ``--json`` document: the normalised scenario, each iteration's values, the outcome.

Strict JSON: a non-finite number is written as null (the run's stop_reason says why).
Large batches keep the document bounded: their per-sample numbers are in ``samples`` only,
not as ``@s`` addresses in ``values`` nor as per-sample ``values`` of each chain factor.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np
import sympy as sp
from sympy.printing.str import StrPrinter

from ..api import Run
from ..derivation import Chain, Factor
from ..trace import IterationRecord
from ..values import factor_values, iteration_values, parameter_values
from .printing import latex_symbol, latex_text

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
    data["inputs"] = list(run.graph.names.inputs)
    initial = run.trace.initial
    for layer, w, b in zip(data["layers"], initial.weights, initial.biases, strict=True):
        layer["weights"] = w.tolist()
        layer["biases"] = b.tolist()
    return data


def _samples(run: Run, record: IterationRecord) -> list[dict[str, Any]]:
    names = [name for units in run.graph.layers for u in units
             for name in (u.net.name, u.out.name)]
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


class _Printed:
    """Each factor's expression printed once per run: as text and as LaTeX.

    The δ of every unit of a layer has the same tree with other symbols, and a wide layer's δ
    is a long sum: it is printed once per tree shape, with numbered placeholders for the
    symbols, and each unit's names are put in. The δ sums keep the order they were built in
    (k = 1, 2, ..., not sorted by name), which is the order of the backpropagation recursion.
    """

    def __init__(self) -> None:
        self._by_address: dict[str, tuple[str, str]] = {}
        self._by_shape: dict[tuple, tuple[str, str] | None] = {}

    def __call__(self, factor: Factor) -> tuple[str, str]:
        found = self._by_address.get(factor.address)
        if found is None:
            found = self._print(factor)
            self._by_address[factor.address] = found
        return found

    def _print(self, factor: Factor) -> tuple[str, str]:
        expr = factor.expression
        if isinstance(expr, sp.Symbol):  # most factors are a bare weight or input
            return expr.name, latex_symbol(expr.name)
        if factor.role != "delta":
            return str(expr), latex_text(expr)
        order: dict[sp.Symbol, int] = {}
        shape = _shape(expr, order)
        names = [s.name for s in order]
        if shape not in self._by_shape:
            self._by_shape[shape] = _template(expr, list(order))
        template = self._by_shape[shape]
        if template is None:
            return _in_order(expr), latex_text(expr)
        return _fill(template[0], names), _fill(template[1], [latex_symbol(n) for n in names])


_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


class _OrderedText(StrPrinter):
    """sympy's str form, terms in the order they were built; symbols as given."""

    def __init__(self, names: dict[sp.Symbol, str] | None = None) -> None:
        super().__init__({"order": "none"})
        self.names = names or {}

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.names.get(expr, expr.name)


def _in_order(expr: sp.Expr) -> str:
    return _OrderedText().doprint(expr)


def _shape(expr: sp.Basic, order: dict[sp.Symbol, int]) -> tuple:
    # the tree with each symbol replaced by the position of its first appearance
    if isinstance(expr, sp.Symbol):
        return ("symbol", order.setdefault(expr, len(order)))
    if not expr.args:
        return (type(expr), expr)
    return (type(expr), *(_shape(arg, order) for arg in expr.args))


def _fill(template: str, names: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: names[int(m.group(1))], template)


def _template(expr: sp.Expr, symbols: list[sp.Symbol]) -> tuple[str, str] | None:
    tokens = {s: f"\ue000{k}\ue001" for k, s in enumerate(symbols)}
    text = _OrderedText(tokens).doprint(expr)
    latex = sp.latex(expr, order="none", symbol_names=tokens)
    names = [s.name for s in symbols]
    # a printer that looked at the names themselves would make the template wrong
    if (_fill(text, names) != _in_order(expr)
            or _fill(latex, [latex_symbol(n) for n in names]) != latex_text(expr)):
        return None
    return text, latex


class _Layout:
    """What every iteration's ``gradients`` share: each chain's form, paths and factors,
    taken from the derivation once per run; and each factor's printed expression."""

    def __init__(self, run: Run) -> None:
        self.printed = _Printed()
        self.chains: list[tuple[Chain, str, list[list[str]], list[Factor]]] = []
        for chain in run.derivation.chains():
            paths = list(chain.paths()) if chain.expanded else [chain.compact()]
            factors: dict[str, Factor] = {}
            for path in paths:
                for f in path:
                    factors.setdefault(f.address, f)
            self.chains.append((chain, "paths" if chain.expanded else "delta",
                                [[f.address for f in path] for path in paths],
                                list(factors.values())))


def _gradients(run: Run, record: IterationRecord, layout: _Layout) -> dict[str, Any]:
    printed = layout.printed
    out: dict[str, Any] = {}
    single = len(record.samples) == 1
    per_sample = len(record.samples) <= MAX_ADDRESSED_SAMPLES
    values = _batch_gradients(run, record)
    # a factor is shared by many chains; its entry is built once and referenced by each
    entries: dict[str, dict[str, Any]] = {}

    def entry(f: Factor) -> dict[str, Any]:
        found = entries.get(f.address)
        if found is None:
            expression, latex = printed(f)
            found = {"symbol": f.address, "expression": expression, "latex": latex}
            if f.note:
                found["note"] = f.note
            if per_sample:
                numbers = factor_values(f, record).tolist()
                found["values"] = numbers
                if single:
                    found["value"] = numbers[0]
            entries[f.address] = found
        return found

    for chain, form, paths, factors in layout.chains:
        out[chain.parameter.name] = {
            "value": values[chain.parameter.name],
            "form": form,
            "paths": paths,
            "factors": [entry(f) for f in factors],
        }
        gradient = out[chain.parameter.name]
        kind, layer, unit, i = run.graph.parameter_index[chain.parameter.name]
        if run.scenario.l2 and kind == "weight":
            # weight decay's own term of the gradient: λ·w, added to the sum over the paths
            gradient["l2"] = {"symbol": "λ·" + chain.parameter.name, "lambda": run.scenario.l2,
                              "value": float(record.layers[layer - 1].l2_weights[unit - 1,
                                                                                 i - 1])}
        if chain.parameter.name in run.scenario.frozen:
            gradient["frozen"] = True
    return out


def _batch_gradients(run: Run, record: IterationRecord) -> dict[str, float]:
    weights = tuple(layer.grad_weights for layer in record.layers)
    biases = tuple(layer.grad_biases for layer in record.layers)
    return parameter_values(run.graph, weights, biases)


def iteration_document(run: Run, record: IterationRecord,
                       layout: _Layout | None = None) -> dict[str, Any]:
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
    """The document as strict JSON text, indented down to its flat parts.

    Every key of a mapping is on its own line; a list of numbers or strings (or of such lists)
    is on one line. Those flat parts, nearly all of a large document, go through the json
    module's C encoder in one call each.
    """
    chunks: list[str] = []
    _write(document, "", chunks.append)
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

    _write(document, "", emit)
    pending.append("\n")
    stream.write("".join(pending))


_INDENT = "  "
_WRITE_SIZE = 1 << 20  # characters per write
_SCALARS = (str, int, float, bool, type(None))
_encoders: dict[str, json.JSONEncoder] = {}


def _encoder(item_separator: str) -> json.JSONEncoder:
    found = _encoders.get(item_separator)
    if found is None:
        found = json.JSONEncoder(ensure_ascii=False, allow_nan=False,
                                 separators=(item_separator, ": "))
        _encoders[item_separator] = found
    return found


def _encode(obj: Any, item_separator: str = ", ") -> str:
    encoder = _encoder(item_separator)
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
