"""The computational graph of one iteration in Graphviz DOT: every scalar with its value and
gradient, every operation as its own small node (the picture micrograd's draw_dot makes)."""

from __future__ import annotations

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
    graph = run.graph
    values = run.values(record.iteration)
    suffix = sample_suffixes(record)[sample - 1]
    params = parameter_values(run.plan, [layer.weights for layer in record.layers],
                              [layer.biases for layer in record.layers])
    E = graph.loss_symbol.name
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

    for x in graph.inputs:
        value_node(x.name, values.get(x.name + suffix), None)
    for layer, plan_layer in zip(graph.layers, run.plan.layers, strict=True):
        coupled = plan_layer.coupled  # softmax: every a of the layer made from every z
        for unit in layer:
            plus = f"op_{unit.net.name}_sum"
            op_node(plus, "+")
            for w, x in zip(unit.weights, unit.inputs, strict=True):
                value_node(w.name, params[w.name], values[f"d{E}/d{w.name}"], "parameter")
                times = f"op_{w.name}_times"
                op_node(times, "×")
                edge(f"v_{w.name}", times)
                edge(f"v_{x.name}", times)
                edge(times, plus)
            value_node(unit.bias.name, params[unit.bias.name], values[f"d{E}/d{unit.bias.name}"],
                       "parameter")
            edge(f"v_{unit.bias.name}", plus)
            value_node(unit.net.name, values.get(unit.net.name + suffix),
                       values.get(f"d{E}/d{unit.net.name}{suffix}"))
            edge(plus, f"v_{unit.net.name}")
            activation = f"op_{unit.out.name}_activation"
            op_node(activation, plan_layer.label)
            if not coupled:
                edge(f"v_{unit.net.name}", activation)
            value_node(unit.out.name, values.get(unit.out.name + suffix),
                       values.get(f"d{E}/d{unit.out.name}{suffix}"))
            edge(activation, f"v_{unit.out.name}")
        # each a of a softmax layer is made from every z of it, so ∂E/∂z gathers ∂E/∂a·∂a/∂z
        # over all of them (an elementwise activation makes a from its own z only)
        if coupled:
            for unit in layer:
                for net in unit.layer_nets:
                    edge(f"v_{net.name}", f"op_{unit.out.name}_activation")
    loss_op = "op_loss"
    op_node(loss_op, run.scenario.loss.replace("_", " "))
    for unit, target in zip(graph.outputs, graph.targets, strict=True):
        value_node(target.name, values.get(target.name + suffix), None)
        edge(f"v_{unit.out.name}", loss_op)
        edge(f"v_{target.name}", loss_op)
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
                 "show the batch's mean gradient")
    return text
