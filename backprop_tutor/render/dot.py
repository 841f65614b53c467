"""The computational graph of one iteration in Graphviz DOT: every scalar with its value and
gradient, every operation as its own small node (the picture micrograd's draw_dot makes)."""

from __future__ import annotations

from ..network.addresses import derivative
from ..notation.numbers import number
from ..solution.run import Run
from ..solution.values import parameter_values, sample_suffixes
from ..training.trace import IterationRecord


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _record_label(name: str, value: float | None, gradient: float | None,
                  precision: int) -> str:
    fields = [name]
    if value is not None:
        fields.append(f"data {number(value, precision, unicode=False)}")
    if gradient is not None:
        fields.append(f"grad {number(gradient, precision, unicode=False)}")
    # a record label: | separates fields; names and numbers hold no other special character
    return "{ " + " | ".join(fields) + " }"


def dot_text(run: Run, record: IterationRecord, precision: int = 4, sample: int = 1) -> str:
    """DOT source of the graph of ``record``, with the values of one sample of its batch.

    ``sample`` is 1-based within the batch. Parameters show the gradient of the whole batch
    (the one the update uses); every other node shows its value and ∂E/∂node for the sample.
    """
    plan = run.plan
    values = run.values(record.iteration)
    suffix = sample_suffixes(record)[sample - 1]
    params = parameter_values(plan, [layer.weights for layer in record.layers],
                              [layer.biases for layer in record.layers])
    E = plan.loss_symbol
    out = [
        "digraph backprop {",
        "  rankdir=LR;",
        f"  label={_quote(_caption(run, record, sample))};",
        "  labelloc=t;",
        '  node [fontname="Helvetica"];',
    ]

    def value_node(name: str, value: float | None, gradient: float | None,
                   kind: str = "") -> None:
        style = {"parameter": ', style=filled, fillcolor="#fff3c4"',
                 "loss": ', style=filled, fillcolor="#ffd6d6"'}.get(kind, "")
        label = _record_label(name, value, gradient, precision)
        out.append(f"  {_quote('v_' + name)} [shape=record, label={_quote(label)}{style}];")

    def op_node(node_id: str, label: str) -> None:
        shape = "circle" if len(label) <= 2 else "ellipse"
        out.append(f"  {_quote(node_id)} [shape={shape}, label={_quote(label)}];")

    def edge(src: str, dst: str) -> None:
        out.append(f"  {_quote(src)} -> {_quote(dst)};")

    for x in plan.inputs:
        value_node(x, values.get(x + suffix), None)
    for layer in plan.layers:
        for unit in layer.units:
            plus = f"op_{unit.net}_sum"
            op_node(plus, "+")
            for w, x in zip(unit.weights, unit.inputs, strict=True):
                value_node(w, params[w], values[derivative(E, w)], "parameter")
                times = f"op_{w}_times"
                op_node(times, "×")
                edge(f"v_{w}", times)
                edge(f"v_{x}", times)
                edge(times, plus)
            if unit.bias is not None:  # a shared bias: one node, an edge to every unit's sum
                if not layer.shared or unit is layer.units[0]:
                    value_node(unit.bias, params[unit.bias], values[derivative(E, unit.bias)],
                               "parameter")
                edge(f"v_{unit.bias}", plus)
            value_node(unit.net, values.get(unit.net + suffix),
                       values.get(derivative(E, unit.net) + suffix))
            edge(plus, f"v_{unit.net}")
            activation = f"op_{unit.out}_activation"
            op_node(activation, layer.label)
            if not layer.coupled:
                edge(f"v_{unit.net}", activation)
            value_node(unit.out, values.get(unit.out + suffix),
                       values.get(derivative(E, unit.out) + suffix))
            edge(activation, f"v_{unit.out}")
        # each a of a softmax layer is made from every z of it, so ∂E/∂z gathers ∂E/∂a·∂a/∂z
        # over all of them (an elementwise activation makes a from its own z only)
        if layer.coupled:
            for unit in layer.units:
                for peer in layer.units:
                    edge(f"v_{peer.net}", f"op_{unit.out}_activation")
    loss_op = "op_loss"
    op_node(loss_op, run.scenario.loss.replace("_", " "))
    for unit, target in zip(plan.outputs, plan.targets, strict=True):
        value_node(target, values.get(target + suffix), None)
        edge(f"v_{unit.out}", loss_op)
        edge(f"v_{target}", loss_op)
    loss_value = values.get(E + suffix, values[E])
    value_node(E, loss_value, 1.0, "loss")
    edge(loss_op, f"v_{E}")
    out.append("}")
    return "\n".join(out) + "\n"


def _caption(run: Run, record: IterationRecord, sample: int) -> str:
    title = run.scenario.title or "scenario"
    text = f"{title}: iteration {record.iteration}"
    if len(record.samples) > 1:
        text += (f", values of sample {record.samples[sample - 1]} of the batch; parameters "
                 f"show the batch's {run.scenario.reduction} gradient")
    if run.rounding is not None:
        text += f"; every value rounded as by hand to {run.rounding.describe}"
    return text
