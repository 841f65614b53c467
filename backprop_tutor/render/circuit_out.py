"""A circuit's worked solution as a JSON document and as a Graphviz DOT picture (micrograd's
draw_dot: each value with its data and grad, each gate its own small node)."""

from __future__ import annotations

from typing import Any

from ..notation.symbols import filled_numbers
from ..solution.circuit import CircuitSolution, contribution
from .dot import _quote, _record_label

CIRCUIT_SCHEMA_VERSION = 1
_GATE_LABELS = {"add": "+", "add_constant": "+", "multiply": "×", "scale": "×", "max": "max",
                "min": "min", "exp": "exp", "reciprocal": "1/x", "sigmoid": "σ", "tanh": "tanh"}


def circuit_document(solution: CircuitSolution, precision: int = 4) -> dict[str, Any]:
    """Every quantity: the circuit as validated, the forward steps, each edge of the backward
    pass, the gradients (each with the uses it sums), the updates, and ``values`` by address
    (solution/circuit.py). Formulas are printed once; ``numbers`` at ``precision`` digits."""
    f = solution.output
    c = solution.circuit
    return {
        "kind": "circuit",
        "schema_version": CIRCUIT_SCHEMA_VERSION,
        "circuit": c.model_dump(mode="json", exclude_none=True),
        "forward": [{"node": s.node, "formula": s.formula.text,
                     "numbers": filled_numbers(s.formula, solution.numbers, precision),
                     "value": s.value, "gate": s.gate, "uses": list(s.parents)}
                    for s in solution.forward],
        "backward": [{"node": e.node, "input": e.parent, "upstream": e.upstream,
                      "local": {"address": solution.local_address(e), "formula": e.local.text,
                                "numbers": filled_numbers(e.local, solution.numbers,
                                                          precision),
                                "value": e.local_value},
                      "address": contribution(f, e.node, e.parent), "downstream": e.product}
                     for e in solution.edges()],
        "gradients": [{"address": f"d{f}/d{g.name}", "value": g.value,
                       "sum_of": [contribution(f, u, g.name) for u, _ in g.uses]}
                      for g in (*(g for g, _ in solution.backward), *solution.leaves)],
        "updates": [{"parameter": u.parameter, "value": u.value, "gradient": u.gradient,
                     "learning_rate": c.learning_rate, "updated": u.updated}
                    for u in solution.updates],
        "values": solution.values(),
    }


def circuit_dot(solution: CircuitSolution, precision: int = 4) -> str:
    """DOT source of the circuit: each input, parameter and node a record with its data and
    grad (∂output/∂it), each node's gate an operation node feeding it."""
    f = solution.output
    grads = {g.name: g.value for g in (*(g for g, _ in solution.backward), *solution.leaves)}
    c = solution.circuit
    out = ["digraph circuit {", "  rankdir=LR;",
           f"  label={_quote(c.title or 'circuit')};", "  labelloc=t;",
           '  node [fontname="Helvetica"];']

    def value_node(name: str, style: str = "") -> None:
        label = _record_label(name, solution.numbers[name], grads[name], precision)
        out.append(f"  {_quote('v_' + name)} [shape=record, label={_quote(label)}{style}];")

    for name in c.inputs:
        value_node(name)
    for name in c.parameters:
        value_node(name, ', style=filled, fillcolor="#fff3c4"')
    for step in solution.forward:
        value_node(step.node, ', style=filled, fillcolor="#ffd6d6"' if step.node == f else "")
        label = _GATE_LABELS.get(step.gate or "", step.formula.text)
        op = f"op_{step.node}"
        shape = "circle" if len(label) <= 2 else "ellipse"
        out.append(f"  {_quote(op)} [shape={shape}, label={_quote(label)}];")
        for parent in step.parents:
            out.append(f"  {_quote('v_' + parent)} -> {_quote(op)};")
        out.append(f"  {_quote(op)} -> {_quote('v_' + step.node)};")
    out.append("}")
    return "\n".join(out) + "\n"

