"""YAML → validated Circuit, or one clear InputError naming the file, line and field.

A scenario file is a circuit when it has ``nodes:`` and a network when it has ``layers:``
(scenario/loader.py). A circuit is checked as a network is: the schema, then the names (none
a function's, none given twice), then each node's formula in the order written (only names
above it, so no cycle; the whitelist and limits of maths/expression.py), the output, that every
name reaches the output, and that every value and local gradient is a finite real number.
"""

from __future__ import annotations

import os

from pydantic import ValidationError

from ..errors import InputError, close_names, did_you_mean
from . import limits
from .circuit_schema import Circuit
from .messages import located, validation_message
from .schema import Scenario
from .yaml_source import Document, parse_yaml, read_yaml

_SECTIONS = (("inputs", "input"), ("parameters", "parameter"), ("nodes", "node"))
_A = {"input": "an input", "parameter": "a parameter", "node": "a node"}


def is_circuit(data: object) -> bool:
    """Whether parsed YAML is a circuit file (it has ``nodes:`` and no ``layers:``)."""
    return isinstance(data, dict) and "nodes" in data and "layers" not in data


def load_any(path: str | os.PathLike[str]) -> Scenario | Circuit:
    """A scenario file of either kind, validated: a Circuit if it has ``nodes:``, else a
    network Scenario. Raises InputError (file, line, column, field) for a bad file."""
    from .loader import scenario_from_document

    doc = read_yaml(path)
    return circuit_from_document(doc) if is_circuit(doc.data) else scenario_from_document(doc)


def load_circuit(path: str | os.PathLike[str]) -> Circuit:
    """Read, validate and check a circuit file."""
    return circuit_from_document(read_yaml(path))


def circuit_from_text(text: str, name: str = "<circuit>") -> Circuit:
    """Validate a circuit given as YAML text."""
    return circuit_from_document(parse_yaml(text, name))


def circuit_from_document(doc: Document) -> Circuit:
    """Validate parsed YAML as a circuit and check what the schema alone cannot."""
    if not isinstance(doc.data, dict):
        raise located(doc, (), "expected a mapping of scenario keys at the top level")
    if "layers" in doc.data and "nodes" not in doc.data:
        raise located(doc, ("layers",), "this is a network scenario (it has layers:), and this "
                      "takes a circuit (with nodes:)", key=True)
    try:
        circuit = Circuit.model_validate(doc.data)
    except ValidationError as error:
        raise validation_message(error, doc, Circuit) from None
    check_circuit(circuit, doc)
    return circuit


def check_circuit(c: Circuit, doc: Document) -> None:
    """Sizes, names, formulas, output and numbers: each problem located at its field."""
    from ..maths.circuit import NotFinite, evaluate

    leaves = c.leaves
    if len(leaves) > limits.MAX_CIRCUIT_LEAVES:
        raise located(doc, ("inputs",), f"the circuit has {len(leaves):,} inputs and "
                      f"parameters, more than the limit of {limits.MAX_CIRCUIT_LEAVES:,}")
    if len(c.nodes) > limits.MAX_CIRCUIT_NODES:
        raise located(doc, ("nodes",), f"the circuit has {len(c.nodes):,} nodes, more than the "
                      f"limit of {limits.MAX_CIRCUIT_NODES:,}")
    if not leaves:
        raise located(doc, ("nodes",), "a circuit needs values to start from: add inputs: "
                      "(such as inputs: {x: -2, y: 5}) or parameters:", key=True)
    if c.parameters and c.learning_rate is None:
        raise located(doc, ("parameters",), "parameters are updated by gradient descent, which "
                      "needs a learning_rate (such as learning_rate: 0.1); for values that are "
                      "not updated, use inputs:", key=True)
    if c.learning_rate is not None and not c.parameters:
        raise located(doc, ("learning_rate",), "learning_rate updates parameters, and the "
                      "circuit has none; list the values to update under parameters:", key=True)
    _check_names(c, doc)
    nodes = _parse_nodes(c, doc)
    _check_output(c, doc)
    _check_used(c, nodes, doc)
    try:
        evaluate(nodes, leaves)
    except NotFinite as error:
        raise located(doc, ("nodes", error.node), error.detail) from None


def _check_names(c: Circuit, doc: Document) -> None:
    from .loader import reserved

    seen: dict[str, str] = {}
    for section, kind in _SECTIONS:
        for name in getattr(c, section):
            if reserved(name):
                raise located(doc, (section, name), f"the {kind} '{name}' is named like a "
                              "function or constant the formulas use; choose another name",
                              key=True)
            if name in seen:
                raise located(doc, (section, name), f"the name '{name}' is given to "
                              f"{_A[seen[name]]} and to {_A[kind]}; names must be unique", key=True)
            seen[name] = kind


def _parse_nodes(c: Circuit, doc: Document) -> tuple:
    from ..maths.circuit import parse_node
    from ..maths.expression import UnknownName

    known = list(c.leaves)
    later = list(c.nodes)
    nodes = []
    for n, (name, text) in enumerate(c.nodes.items()):
        try:
            nodes.append(parse_node(name, text, known))
        except UnknownName as error:
            raise located(doc, ("nodes", name), _unknown(name, error.name, known,
                                                         later[n + 1:])) from None
        except InputError as error:
            raise located(doc, ("nodes", name), error.detail) from None
        if not nodes[-1].parents:
            raise located(doc, ("nodes", name), f"node '{name}' = {nodes[-1].text} is the "
                          f"constant {nodes[-1].expression}, whatever the values; a node "
                          "must depend on an input, parameter or node")
        known.append(name)
    return tuple(nodes)


def _unknown(node: str, name: str, known: list[str], below: list[str]) -> str:
    if name == node:
        return (f"node '{node}' uses itself; a node may use only the inputs, parameters and "
                "nodes above it, so that the circuit has no cycle")
    if name in below:
        return (f"node '{node}' uses '{name}', which is defined below it; a node may use only "
                "the inputs, parameters and nodes above it (move it up, so that the circuit "
                "has no cycle)")
    hint = did_you_mean(close_names(name, known))
    return (f"node '{node}' uses '{name}', which is not an input, parameter or node above it; "
            + (hint or "the names it may use are " + ", ".join(known)))


def _check_output(c: Circuit, doc: Document) -> None:
    if c.output in c.nodes:
        return
    if c.output in c.leaves:
        kind = "an input" if c.output in c.inputs else "a parameter"
        raise located(doc, ("output",), f"the output must be a node; '{c.output}' is {kind}")
    hint = did_you_mean(close_names(c.output, list(c.nodes)))
    raise located(doc, ("output",), f"no node is called '{c.output}'; "
                  + (hint or "the nodes are " + ", ".join(c.nodes)))


def _check_used(c: Circuit, nodes: tuple, doc: Document) -> None:
    """Every input, parameter and node is on a path to the output."""
    needed = {c.output}
    for node in reversed(nodes):
        if node.name in needed:
            needed.update(node.parents)
    for node in nodes:
        if node.name not in needed:
            raise located(doc, ("nodes", node.name), f"node '{node.name}' is not used on the "
                          f"way to the output '{c.output}'; remove it, or use it", key=True)
    for section, kind in _SECTIONS[:2]:
        for name in getattr(c, section):
            if name not in needed:
                raise located(doc, (section, name), f"the {kind} '{name}' is not used on the "
                              f"way to the output '{c.output}'; remove it, or use it", key=True)
