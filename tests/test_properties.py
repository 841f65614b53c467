"""Random networks: the engine, the worked solution and the closed-form oracle agree.

Depth 1–4, widths 1–5, every activation (leaky ReLU and custom formulas too), every loss with
an output activation that suits it, every mode, frozen parameters and L2. Networks are kept to
at most 30 parameters, because sympy's differentiation of the whole closed form grows quickly
with the number of paths through the network.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
import yaml
from finite_differences import central_differences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import CUSTOM, Oracle, packed

from backprop_tutor import api
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.scenario.names import network_names
from backprop_tutor.solution.lines import quantity_arrays
from backprop_tutor.solution.shapes import shapes
from backprop_tutor.solution.values import located_values

MAX_PARAMETERS = 30
ELEMENTWISE = ["sigmoid", "tanh", "relu", "linear", "identity", "softplus", "leaky_relu",
               "custom"]
LOSSES = ["half_squared_error", "squared_error", "mse", "binary_cross_entropy", "cross_entropy"]
KINKED = {"relu", "leaky_relu"}
value = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 4))


def _activation(draw, name: str):
    if name == "leaky_relu":
        return {"name": "leaky_relu", "alpha": draw(st.sampled_from([0.01, 0.1, 0.3]))}
    if name == "custom":
        return {"expression": draw(st.sampled_from(sorted(CUSTOM)))}
    return name


def _shrink(n_in: int, widths: list[int]) -> list[int]:
    def count(ws: list[int]) -> int:
        fan, total = n_in, 0
        for w in ws:
            total += w * (fan + 1)
            fan = w
        return total

    widths = list(widths)
    while count(widths) > MAX_PARAMETERS:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


@st.composite
def scenarios(draw) -> dict:
    n_in = draw(st.integers(1, 3))
    depth = draw(st.integers(1, 4))
    loss = draw(st.sampled_from(LOSSES))
    widths = _shrink(n_in, [draw(st.integers(1, 5)) for _ in range(depth)])
    if loss == "cross_entropy":
        output = "softmax"
    elif loss == "binary_cross_entropy":
        output = draw(st.sampled_from(["sigmoid", "softmax"]))
    else:
        output = draw(st.sampled_from([*ELEMENTWISE, "softmax"]))
    if output == "softmax" and widths[-1] < 2:
        widths[-1] = 2
        widths = _shrink(n_in, widths[:-1] + [2]) if depth > 1 else widths
    layers, fan = [], n_in
    for i, units in enumerate(widths):
        name = output if i == depth - 1 else draw(st.sampled_from(ELEMENTWISE))
        layers.append({
            "units": units,
            "activation": _activation(draw, name),
            "weights": [[draw(value) for _ in range(fan)] for _ in range(units)],
            "biases": [draw(value) for _ in range(units)],
        })
        fan = units
    m = draw(st.integers(1, 4))
    k = widths[-1]
    data = []
    for _ in range(m):
        inputs = [draw(st.floats(-2, 2).map(lambda v: round(v, 3))) for _ in range(n_in)]
        if loss == "cross_entropy":
            if draw(st.booleans()):
                targets = [0.0] * k
                targets[draw(st.integers(0, k - 1))] = 1.0
            else:
                raw = [draw(st.integers(1, 9)) for _ in range(k)]
                targets = [r / sum(raw) for r in raw]
        elif loss == "binary_cross_entropy":
            targets = [draw(st.sampled_from([0.0, 1.0, 0.25, 0.8])) for _ in range(k)]
        else:
            targets = [draw(value) for _ in range(k)]
        data.append({"inputs": inputs, "targets": targets})
    doc = {"inputs": n_in, "layers": layers, "data": data, "loss": loss,
           "learning_rate": draw(st.sampled_from([0.05, 0.1, 0.5])),
           "epochs": draw(st.integers(1, 2)),
           "mode": draw(st.sampled_from(["batch", "stochastic", "minibatch"]))}
    if doc["mode"] == "minibatch":
        doc["batch_size"] = draw(st.integers(1, m))
    if draw(st.booleans()):
        doc["l2"] = draw(st.sampled_from([0.01, 0.1]))
    if draw(st.booleans()):
        scenario = scenario_from_text(yaml.safe_dump(doc))
        names = network_names(scenario).parameters()
        doc["frozen"] = sorted(draw(st.sets(st.sampled_from(names), max_size=len(names))))
    return doc


def _close(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-12,
                               atol=1e-12)


def _evaluate(formula: sp.Expr, numbers: dict[str, float]) -> float:
    mapping = {s: sp.Float(numbers[s.name], 30) for s in formula.free_symbols}
    return float(formula.xreplace(mapping))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(scenarios())
def test_random_networks_agree_with_the_closed_form(doc: dict) -> None:
    scenario = scenario_from_text(yaml.safe_dump(doc))
    run = api.run(scenario, detail=10**6)
    oracle = Oracle(scenario)
    steps, final, _ = oracle.train(packed(run.trace.initial.weights, run.trace.initial.biases))
    assert len(steps) == len(run.trace.iterations)
    frozen = set(scenario.frozen)
    for step, record in zip(steps, run.trace.iterations, strict=True):
        assert step.samples == record.samples
        _close(record.loss, step.loss)
        grads = packed([r.grad_weights for r in record.layers],
                       [r.grad_biases for r in record.layers])
        after = packed([r.weights_after for r in record.layers],
                       [r.biases_after for r in record.layers])
        for mine, theirs in zip(grads, step.gradients, strict=True):
            _close(mine, theirs)
        for mine, theirs in zip(after, step.after, strict=True):
            _close(mine, theirs)
    _close(np.concatenate([p.ravel() for p in packed(run.trace.final.weights,
                                                      run.trace.final.biases)]),
           np.concatenate([p.ravel() for p in final]))
    assert all(run.final_parameters[n] == run.initial_parameters[n] for n in frozen)

    record = run.trace.iterations[0]
    _check_worked_solution(run, record)
    _check_finite_differences(run, record)


def _check_worked_solution(run, record) -> None:
    """The worked lines: their formulas give their values, their paths sum to the gradient."""
    rec_grads = {}
    for units, rec in zip(run.graph.layers, record.layers, strict=True):
        for j, u in enumerate(units):
            for i, w in enumerate(u.weights):
                rec_grads[w.name] = (rec.grad_weights[j, i], rec.l2_weights[j, i])
            rec_grads[u.bias.name] = (rec.grad_biases[j], 0.0)
    scenario = run.scenario
    derived = shapes(run.derivation, frozen=frozenset(scenario.frozen), letters=scenario.symbols)
    table = quantity_arrays(run.plan, record, learning_rate=scenario.learning_rate,
                            l2=scenario.l2)
    for line, shape in zip(run.lines(record), derived, strict=True):
        assert line.address == shape.address
        if line.section in ("factors", "forward", "gradients"):
            # every formula shown (and every alternative) gives each sample's number: the path
            # products of a gradient give the engine's δ·input of each sample
            for formula in (shape.formula, *shape.alternatives):
                for s, v in enumerate(line.values):
                    numbers = {x.name: table[x.name][s] for x in formula.free_symbols}
                    assert np.isclose(_evaluate(formula, numbers), v, rtol=1e-10, atol=1e-12)
        if line.section == "gradients":
            name = line.address.split("/d", 1)[1]
            gradient, l2 = rec_grads[name]
            _close(np.mean(line.values) + line.l2_term, gradient)
    # both forms of every chain, whichever one the worked solution chose to show
    def product(path):
        return np.prod([located_values(f.role, f.where, record) for f in path], axis=0)

    for chain in run.derivation.chains():
        gradient, l2 = rec_grads[chain.parameter.name]
        expanded = sum(product(path) for path in chain.paths())
        compact = product(chain.compact())
        _close(np.mean(expanded) + l2, gradient)
        _close(np.mean(compact) + l2, gradient)
        assert sum(1 for _ in chain.paths()) == chain.path_count


def _check_finite_differences(run, record) -> None:
    scenario = run.scenario
    kinked = any((layer.activation if isinstance(layer.activation, str)
                  else getattr(layer.activation, "name", "")) in KINKED
                 for layer in scenario.layers)
    if kinked and min(float(np.abs(r.z).min()) for r in record.layers) < 1e-3:
        return  # a central difference across a kink measures neither side's slope
    for engine, numeric in central_differences(run, record):
        assert abs(numeric - engine) <= 1e-6 + 1e-5 * abs(engine)
