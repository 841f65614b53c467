"""YAML file → validated Scenario, or one clear InputError naming the file, line and field."""

from __future__ import annotations

import keyword
import math
import os

from pydantic import ValidationError

from ..errors import InputError, close_names, did_you_mean
from ..maths.catalog import NAMES as ACTIVATION_NAMES
from . import limits
from .course_checks import (
    check_custom_activation,
    check_loss,
    check_name_shapes,
    check_rounding,
    check_softmax_layer,
)
from .messages import located, validation_message
from .optimizer import check_optimizer, formula_names
from .schema import CustomActivation, NamedActivation, Scenario
from .yaml_source import Document, parse_yaml, read_yaml


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, validate and check a scenario file."""
    return scenario_from_document(read_yaml(path))


def scenario_from_text(text: str, name: str = "<scenario>") -> Scenario:
    """Validate a scenario given as YAML text."""
    return scenario_from_document(parse_yaml(text, name))


def scenario_from_document(doc: Document) -> Scenario:
    """Validate parsed YAML as a scenario and check what the schema alone cannot."""
    if not isinstance(doc.data, dict):
        raise located(doc, (), "expected a mapping of scenario keys at the top level")
    if "nodes" in doc.data:
        raise located(doc, ("nodes",), "this is a circuit (it has nodes:), and a network "
                      "scenario (with layers:) was expected; every backprop-tutor command takes "
                      "circuits, and the Python API loads one with api.circuit(path)"
                      if "layers" not in doc.data else
                      "a scenario is a network (layers:) or a circuit (nodes:), not both",
                      key=True)
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as error:
        raise validation_message(error, doc, Scenario) from None
    check_scenario(scenario, doc)
    return scenario


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_scenario(s: Scenario, doc: Document) -> None:
    """Shapes, names and combinations: each problem located at its field."""
    _check_size(s, doc)
    fan_in = s.input_count
    for i, layer in enumerate(s.layers):
        where = ("layers", i)
        _check_activation(layer.activation, doc, (*where, "activation"))
        check_softmax_layer(s, i, doc)
        need = (f"layer {i + 1} has {_plural(layer.units, 'unit')} and {_plural(fan_in, 'input')}"
                f", so weights must be {_plural(layer.units, 'row')} of "
                f"{_plural(fan_in, 'number')}")
        if layer.weights is not None:
            if len(layer.weights) != layer.units:
                raise located(doc, (*where, "weights"),
                              f"{need}; got {_plural(len(layer.weights), 'row')}")
            for r, row in enumerate(layer.weights):
                if len(row) != fan_in:
                    raise located(doc, (*where, "weights", r),
                                  f"{need}; row {r + 1} has {_plural(len(row), 'number')}")
        elif s.init is None:
            raise located(doc, where, "weights are missing; give them, or add an init: section "
                          "to draw them at random")
        _check_biases(layer, i, doc)
        if layer.biases is None and layer.bias_count and s.init is None:
            raise located(doc, where, "biases are missing; give them, or add an init: section "
                          "to draw them at random")
        fan_in = layer.units
    outputs = s.layers[-1].units
    for n, sample in enumerate(s.data):
        if len(sample.inputs) != s.input_count:
            raise located(doc, ("data", n, "inputs"),
                          f"the network has {_plural(s.input_count, 'input')}; sample {n + 1} "
                          f"gives {len(sample.inputs)}")
        if len(sample.targets) != outputs:
            raise located(doc, ("data", n, "targets"),
                          f"the output layer has {_plural(outputs, 'unit')}; sample {n + 1} "
                          f"gives {_plural(len(sample.targets), 'target')}")
    if s.mode == "minibatch" and s.batch_size is None:
        raise located(doc, ("mode",), "mode minibatch needs a batch_size (the samples in each "
                      "update), such as batch_size: 2")
    if s.batch_size is not None and s.mode != "minibatch":
        raise located(doc, ("batch_size",), f"batch_size is for mode: minibatch; mode {s.mode} "
                      "updates on " + ("every sample at once" if s.mode == "batch"
                                       else "one sample at a time")
                      + " (write mode: minibatch, or remove batch_size)")
    if s.shuffle and s.mode == "batch":
        raise located(doc, ("shuffle",), "shuffle needs mode stochastic or minibatch; a batch of "
                      "every sample has no order to shuffle")
    if s.init is not None:
        _check_init(s, doc)
    check_optimizer(s, doc)
    check_loss(s, doc)
    check_rounding(s, doc)
    check_name_shapes(s, doc)
    _check_names(s, doc)


def _check_biases(layer, i: int, doc: Document) -> None:
    where = ("layers", i, "biases")
    if layer.biases is None:
        return
    if layer.bias is False:
        raise located(doc, where, f"layer {i + 1} has no bias (bias: false), so it takes no "
                      "biases; remove them, or remove bias: false")
    if layer.bias == "shared" and len(layer.biases) != 1:
        raise located(doc, where, f"layer {i + 1} has one bias shared by its units (bias: "
                      f"shared), so biases must be 1 number; got {len(layer.biases)}")
    if layer.bias is True and len(layer.biases) != layer.units:
        raise located(doc, where, f"layer {i + 1} has {_plural(layer.units, 'unit')}, so biases "
                      f"must be {_plural(layer.units, 'number')}; got {len(layer.biases)}")


def _check_init(s: Scenario, doc: Document) -> None:
    init = s.init
    if init.seed < 0:
        raise located(doc, ("init", "seed"), f"expected a seed of 0 or more; got {init.seed}")
    if init.method != "uniform":
        return
    if init.low >= init.high:
        raise located(doc, ("init", "high"), f"init.high must be greater than init.low; got "
                      f"low {init.low:g} and high {init.high:g}")
    if not math.isfinite(init.high - init.low):
        raise located(doc, ("init", "high"), f"init.low and init.high are too far apart to "
                      f"draw numbers between them; got low {init.low:g} and high {init.high:g}")


def _check_size(s: Scenario, doc: Document) -> None:
    # first of all the checks, so that no later one builds anything of a refused size
    if len(s.layers) > limits.MAX_LAYERS:
        raise located(doc, ("layers",), f"the network has {len(s.layers):,} layers, more than "
                      f"the limit of {limits.MAX_LAYERS:,}")
    sizes = [s.input_count, *(layer.units for layer in s.layers)]
    parameters = limits.parameter_count(sizes)
    if parameters > limits.MAX_PARAMETERS:
        raise located(doc, ("layers",), f"the network has {parameters:,} weights and biases, "
                      f"more than the limit of {limits.MAX_PARAMETERS:,}")
    if len(s.data) > limits.MAX_SAMPLES:
        raise located(doc, ("data",), f"{len(s.data):,} samples is more than the limit of "
                      f"{limits.MAX_SAMPLES:,}")
    updates = limits.updates_per_epoch(len(s.data), s.mode, s.batch_size)
    try:
        limits.check_training(parameters, len(s.data), s.epochs, updates)
    except InputError as error:
        raise located(doc, ("epochs",), error.detail) from None


def _check_activation(spec: str | NamedActivation | CustomActivation, doc: Document,
                      loc: tuple) -> None:
    if isinstance(spec, CustomActivation):
        check_custom_activation(spec, doc, loc)
        return
    name = spec if isinstance(spec, str) else spec.name
    if name not in ACTIVATION_NAMES:
        hint = (did_you_mean(close_names(name, ACTIVATION_NAMES))
                or "expected one of: " + ", ".join(ACTIVATION_NAMES))
        raise located(doc, loc if isinstance(spec, str) else (*loc, "name"),
                      f"unknown activation '{name}'; {hint}")
    if isinstance(spec, NamedActivation) and spec.alpha is not None and name != "leaky_relu":
        raise located(doc, (*loc, "alpha"), f"alpha is an option of leaky_relu, not of {name}")


# names the printed formulas use for themselves: functions (those of custom expressions,
# maths/expression.py, among them), constants, Python's keywords
_FORMULA_NAMES = frozenset({
    *keyword.kwlist, *ACTIVATION_NAMES, "exp", "log", "sqrt", "abs", "tanh", "max", "min",
    "sigmoid", "softmax", "relu",
    "select", "where", "reduce", "amax", "amin", "heaviside", "nan", "inf", "pi", "e",
    "np", "numpy", "math", "sympy", "oo", "zoo", "I", "S", "N", "Max", "Min", "Abs",
    "Heaviside", "Piecewise", "sign", "unused"})


def reserved(name: str) -> bool:
    """Whether a scenario's name would collide with a function or constant of the formulas
    it appears in (``exp``, ``log``, ``e``, ``pi``, a NumPy ufunc such as ``maximum``, an
    activation's name, a Python keyword): such a name is refused, never shadowed."""
    if name in _FORMULA_NAMES or (name[0] == "v" and name[1:].isdigit()):
        return True
    import numpy as np

    return isinstance(getattr(np, name, None), np.ufunc)


def _check_names(s: Scenario, doc: Document) -> None:
    from .names import network_names

    names = network_names(s)
    letters = ("symbols",) if "symbols" in doc.data else None

    def given(number: int, kind: str, *index: int) -> tuple:
        # where a layer's name is written: its names: entry, else the letters it is made of
        layer = s.layers[number - 1]
        if layer.names is not None and getattr(layer.names, kind) is not None:
            return ("layers", number - 1, "names", kind, *index)
        return letters or ("layers", number - 1)

    inputs = [("inputs", i) if isinstance(s.inputs, list) else letters or ("inputs",)
              for i in range(len(names.inputs))]
    everything = [*((name, f"input {i}", inputs[i - 1])
                    for i, name in enumerate(names.inputs, 1)),
                  *((name, f"target {k}", letters or ("data",))
                    for k, name in enumerate(names.targets, 1)),
                  (names.loss, "the loss", letters or ("loss",))]
    for number, layer in enumerate(names.layers, 1):
        for j, row in enumerate(layer.weights, 1):
            everything += [(name, f"a weight of layer {number} (unit {j}, input {i})",
                            given(number, "weights", j - 1, i - 1))
                           for i, name in enumerate(row, 1)]
        if layer.shared:
            everything.append((layer.biases[0], f"the shared bias of layer {number}",
                               given(number, "biases", 0)))
        for kind, field, group in (("bias", "biases", () if layer.shared else layer.biases),
                                   ("net input", "net", layer.net),
                                   ("activation", "activations", layer.activations)):
            everything += [(name, f"the {kind} of layer {number} unit {j}",
                            given(number, field, j - 1)) for j, name in enumerate(group, 1)]
    seen: dict[str, str] = {}
    taken = formula_names(s)  # the step count t of Adam's bias corrections
    for name, what, where in everything:
        if reserved(name) or name in taken:
            raise located(doc, where, f"the name '{name}' of {what} is a function or constant "
                          "the formulas use; choose another (check symbols: and the layers' "
                          "names:)")
        if name in seen:
            raise located(doc, where, f"the name '{name}' is given to {seen[name]} and to "
                          f"{what}; names must be unique (check symbols: and the layers' "
                          "names:)")
        seen[name] = what
    parameters = names.parameters()
    for n, name in enumerate(s.frozen):
        if name not in parameters:
            hint = (did_you_mean(close_names(name, parameters))
                    or "the parameters are " + _listing(parameters))
            raise located(doc, ("frozen", n), f"no parameter is called '{name}'; {hint}")


def _listing(names: tuple[str, ...], most: int = 12) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
