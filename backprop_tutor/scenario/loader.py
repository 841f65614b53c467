"""YAML file → validated Scenario, or one clear InputError naming the file, line and field."""

from __future__ import annotations

import difflib
import os

from pydantic import ValidationError

from ..maths.activations import NAMES as ACTIVATION_NAMES
from .messages import located, validation_message
from .schema import NamedActivation, Scenario
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
    fan_in = s.input_count
    for i, layer in enumerate(s.layers):
        where = ("layers", i)
        _check_activation(layer.activation, doc, (*where, "activation"))
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
        if layer.biases is not None and len(layer.biases) != layer.units:
            raise located(doc, (*where, "biases"),
                          f"layer {i + 1} has {_plural(layer.units, 'unit')}, so biases must be "
                          f"{_plural(layer.units, 'number')}; got {len(layer.biases)}")
        if layer.biases is None and s.init is None:
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
        raise located(doc, ("mode",), "mode minibatch needs a batch_size")
    _check_names(s, doc)


def _check_activation(spec: str | NamedActivation, doc: Document, loc: tuple) -> None:
    name = spec if isinstance(spec, str) else spec.name
    if name not in ACTIVATION_NAMES:
        close = difflib.get_close_matches(name, ACTIVATION_NAMES, n=1)
        hint = f"did you mean {close[0]}?" if close else "expected one of: " + ", ".join(
            ACTIVATION_NAMES)
        raise located(doc, loc if isinstance(spec, str) else (*loc, "name"),
                      f"unknown activation '{name}'; {hint}")
    if isinstance(spec, NamedActivation) and spec.alpha is not None and name != "leaky_relu":
        raise located(doc, (*loc, "alpha"), f"alpha is an option of leaky_relu, not of {name}")


def _check_names(s: Scenario, doc: Document) -> None:
    from ..names import network_names

    names = network_names(s)
    seen: dict[str, str] = {}
    everything = [*names.inputs, *names.targets, names.loss]
    for layer in names.layers:
        everything += [n for row in layer.weights for n in row]
        everything += [*layer.biases, *layer.net, *layer.activations]
    for name in everything:
        if name in seen:
            raise located(doc, ("layers",), f"the name '{name}' is used twice; names must be "
                          "unique (check names: and symbols:)")
        seen[name] = name
    parameters = set(names.parameters())
    for n, name in enumerate(s.frozen):
        if name not in parameters:
            close = difflib.get_close_matches(name, sorted(parameters), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise located(doc, ("frozen", n), f"no parameter is called '{name}'{hint}")
