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
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oracle import CUSTOM, Oracle, packed

from backprop_tutor import api
from backprop_tutor.network.kernels import softmax_factor
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.scenario.names import network_names
from backprop_tutor.solution.diagnostics import divergence_message
from backprop_tutor.solution.lines import quantity_arrays
from backprop_tutor.solution.shapes import shapes
from backprop_tutor.training.trace import IterationRecord

MAX_PARAMETERS = 30
ELEMENTWISE = ["sigmoid", "tanh", "relu", "linear", "identity", "softplus", "leaky_relu",
               "custom"]
LOSSES = ["half_squared_error", "squared_error", "mse", "binary_cross_entropy", "cross_entropy"]
KINKED = {"relu", "leaky_relu"}
# Found by Hypothesis: the softmax output a2 of sample 1 rounds to exactly 1 at the third update,
# so binary cross-entropy takes log(1 − a2) = log(0) and training diverges there
# finite through every update, but its loss over all samples after the last one overflows: the
# format calls that diverged too, and so must the oracle
OVERFLOWS_AFTER_THE_LAST_UPDATE = {
    "inputs": 2,
    "layers": [
        {"units": 2, "activation": "linear", "weights": [[-0.498, 0.0], [1.0675, 0.0]],
         "biases": [1.3694, 0.0]},
        {"units": 2, "activation": "identity", "weights": [[0.71, -0.0846], [0.0, 1.2031]],
         "biases": [0.0, 0.0]},
        {"units": 2, "activation": "identity", "weights": [[-0.2338, 0.5], [0.9868, -1.5]],
         "biases": [0.0, 0.0]},
        {"units": 3, "activation": "relu", "weights": [[0.0, 0.0], [0.0, 1.3217], [0.782, 0.0]],
         "biases": [0.0, 0.0, 1.2829]}],
    "data": [{"inputs": [-1.797, 0.0], "targets": [0.0, 0.0, 0.0]},
             {"inputs": [0.708, 0.0], "targets": [0.0, 0.0, 0.0]},
             {"inputs": [0.0, 0.0], "targets": [0.0, 0.0, 0.0]},
             {"inputs": [0.0, 0.0], "targets": [0.0, 0.0, 0.0]}],
    "loss": "squared_error", "learning_rate": 0.1, "epochs": 1, "mode": "stochastic"}
DIVERGES_BY_LOG_OF_ZERO = {
    "inputs": 3,
    "layers": [
        {"units": 2, "activation": "identity", "weights": [[0.0, 0.0, -1.3302], [-0.0, 0.0, -1.0]],
         "biases": [-0.9644, -1.4929]},
        {"units": 2, "activation": "relu", "weights": [[-0.3333, -1.1393], [-1.1031, -0.0]],
         "biases": [1.1582, -0.0]},
        {"units": 2, "activation": {"name": "leaky_relu", "alpha": 0.3},
         "weights": [[-1.5, 0.786], [-1.0, 0.0]], "biases": [0.0, 0.71]},
        {"units": 3, "activation": "softmax",
         "weights": [[-0.0515, 0.8458], [1.4133, 1.4603], [-0.9315, -0.0]],
         "biases": [-1.1, 0.13, 0.0046]},
    ],
    "data": [{"inputs": [0.632, 1.566, -1.815], "targets": [0.8, 0.8, 0.0]},
             {"inputs": [-0.0, 0.777, 0.0], "targets": [0.0, 0.8, 0.25]},
             {"inputs": [-1.312, -0.677, 2.0], "targets": [1.0, 0.0, 0.25]}],
    "loss": "binary_cross_entropy", "learning_rate": 0.5, "epochs": 2, "mode": "minibatch",
    "batch_size": 2,
}
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
        bias = draw(st.sampled_from([True, True, False, "shared"]))  # the format's bias kinds
        layers.append({
            "units": units,
            "activation": _activation(draw, name),
            "bias": bias,
            "weights": [[draw(value) for _ in range(fan)] for _ in range(units)],
        })
        if bias is not False:
            layers[-1]["biases"] = [draw(value) for _ in range(units if bias is True else 1)]
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
@example(DIVERGES_BY_LOG_OF_ZERO)
@example(OVERFLOWS_AFTER_THE_LAST_UPDATE)
def test_random_networks_agree_with_the_closed_form(doc: dict) -> None:
    scenario = scenario_from_text(yaml.safe_dump(doc))
    run = api.run(scenario, detail=10**6)
    oracle = Oracle(scenario)
    steps, final, reason = oracle.train(packed(run.trace.initial.weights,
                                               run.trace.initial.biases))
    # the same updates, and training ends the same way: a diverged run stops at the update
    # where the loss or a parameter became ∞ or NaN, in the oracle's arithmetic as in the engine's
    assert len(steps) == len(run.trace.iterations)
    assert reason == run.trace.stop_reason
    frozen = set(scenario.frozen)
    for step, record in zip(steps, run.trace.iterations, strict=True):
        assert step.samples == record.samples
        grads = packed([r.grad_weights for r in record.layers],
                       [r.grad_biases for r in record.layers])
        after = packed([r.weights_after for r in record.layers],
                       [r.biases_after for r in record.layers])
        if not _finite(record.loss, after):
            # the update that diverged: its numbers are ∞ and NaN, which the closed form's
            # arithmetic and the engine's need not place alike; both stop here
            assert step is steps[-1] and not _finite(step.loss, step.after)
            break
        _close(record.loss, step.loss)
        for mine, theirs in zip(grads, step.gradients, strict=True):
            _close(mine, theirs)
        for mine, theirs in zip(after, step.after, strict=True):
            _close(mine, theirs)
    else:
        _close(np.concatenate([p.ravel() for p in packed(run.trace.final.weights,
                                                          run.trace.final.biases)]),
               np.concatenate([p.ravel() for p in final]))
    assert all(run.final_parameters[n] == run.initial_parameters[n] for n in frozen)

    record = run.trace.iterations[0]
    if _finite(record.loss, packed([r.weights_after for r in record.layers],
                                   [r.biases_after for r in record.layers])):
        _check_worked_solution(run, record)
        _check_finite_differences(run, record)


def _finite(loss: float, parameters: list[np.ndarray]) -> bool:
    return bool(np.isfinite(loss)) and all(np.isfinite(p).all() for p in parameters)


def test_a_softmax_output_that_rounds_to_one_ends_training_as_documented() -> None:
    """Binary cross-entropy takes log(1 − a): an output of exactly 1 in floating point diverges.

    At the third update the softmax output a of sample 1 is 1 − 1.6·10⁻⁴¹, which rounds to 1: the
    loss takes log(0) (docs/errors.md, "Diverged training"). The two updates before it agree
    with the closed form; the oracle's own arithmetic reaches ∞ at the same update.
    """
    scenario = scenario_from_text(yaml.safe_dump(DIVERGES_BY_LOG_OF_ZERO))
    run = api.run(scenario, detail=10**6)
    assert run.trace.stop_reason == "diverged"
    assert [r.samples for r in run.trace.iterations] == [(1, 2), (3,), (1, 2)]
    last = run.trace.iterations[-1]
    assert last.layers[-1].a[0, 1] == 1.0 and np.isinf(last.loss)
    assert "log(1 − " in divergence_message(run)
    steps, _, reason = Oracle(scenario).train(packed(run.trace.initial.weights,
                                                     run.trace.initial.biases))
    assert reason == "diverged" and len(steps) == 3 and np.isinf(steps[-1].loss)


def located_values(role: str, where: tuple[int, ...], record: IterationRecord) -> np.ndarray:
    """A factor's value for every sample, read from the trace by its role and place."""
    m = len(record.samples)
    layer, unit, *rest = where
    rec = record.layers[layer - 1]
    if role == "loss":
        return rec.dE_da[:, unit - 1]
    if role == "delta":
        return rec.dE_dz[:, unit - 1]
    if role == "activation":
        return rec.da_dz[:, unit - 1]
    if role == "softmax":
        return softmax_factor(rec.a, unit - 1, rest[0] - 1)
    if role == "net":
        return np.full(m, rec.weights[unit - 1, rest[0] - 1])
    if role == "weight":
        below = record.layers[layer - 2].a if layer > 1 else record.inputs
        return below[:, rest[0] - 1]
    return np.ones(m)



def _check_worked_solution(run, record) -> None:
    """The worked lines: their formulas give their values, their paths sum to the gradient."""
    rec_grads = {}
    for units, rec in zip(run.graph.layers, record.layers, strict=True):
        for j, u in enumerate(units):
            for i, w in enumerate(u.weights):
                rec_grads[w.name] = (rec.grad_weights[j, i], rec.l2_weights[j, i])
            if u.bias is not None:  # a shared bias: every unit holds its one gradient
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
        compact = sum(product(pair) for pair in chain.compact_paths())
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
