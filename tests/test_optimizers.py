"""Optimizers beyond plain gradient descent: momentum, Nesterov, RMSprop, Adam.

Every optimizer is checked against a plain scalar transcription of its published update (the
formulas of PyTorch's torch.optim documentation), carried parameter by parameter over several
iterations and epochs, on random networks with frozen parameters, both reductions, minibatches
and shuffling; the worked solution's state lines, the values map and grading against the same
numbers; and the E = w² example worked by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.errors import InputError
from backprop_tutor.grading.grade import CARRIED, CORRECT, WRONG, grade_sheet
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.solution.worked import quantities

SQUARE = """\
title: E = w²
inputs: 1
layers:
  - units: 1
    activation: linear
    bias: false
    weights: [[10]]
data:
  - inputs: [1]
    targets: [0]
loss: squared_error
learning_rate: 0.8
epochs: 3
"""


def weights_over_time(text: str) -> list[float]:
    run = api.run(scenario_from_text(text), detail=10)
    records = run.trace.iterations
    return [float(records[0].layers[0].weights[0, 0])] + [
        float(r.layers[0].weights_after[0, 0]) for r in records]


def test_plain_descent_on_w_squared():
    assert weights_over_time(SQUARE) == pytest.approx([10, -6, 3.6, -2.16], abs=1e-12)


def test_momentum_on_w_squared():
    text = SQUARE + "optimizer: {name: momentum, momentum: 0.1}\n"
    assert weights_over_time(text) == pytest.approx([10, -6, 2, -0.4], abs=1e-12)
    run = api.run(scenario_from_text(text), detail=10)
    # v = 20, then 0.1 × 20 + (−12) = −10, then 0.1 × (−10) + 4 = 3
    assert [run.values(k)["v(w1)+"] for k in (1, 2, 3)] == pytest.approx([20, -10, 3])
    lines = {line.address: line for line in run.lines(run.record(2))}
    assert lines["v(w1)+"].result == pytest.approx(-10)
    assert lines["v(w1)+"].columns["v(w1)"] == [pytest.approx(20)]
    assert lines["w1+"].result == pytest.approx(2)


# --- an independent transcription of each published update ------------------------------


def reference_step(name: str, options: dict[str, float], rate: float, p: float, g: float,
                   state: dict[str, float], t: int) -> float:
    """One update of one scalar parameter, as torch.optim's documentation writes it; the
    state is updated in place."""
    if name == "sgd":
        return p - rate * g
    if name in ("momentum", "nesterov"):
        mu = options["momentum"]
        b = g if t == 1 else mu * state["v"] + g  # torch: b_1 = g
        state["v"] = b
        if name == "nesterov":
            g = g + mu * b
        else:
            g = b
        return p - rate * g
    if name == "rmsprop":
        alpha, eps = options["rho"], options["epsilon"]
        state["v"] = alpha * state["v"] + (1 - alpha) * g * g
        return p - rate * g / (math.sqrt(state["v"]) + eps)
    beta1, beta2, eps = options["beta1"], options["beta2"], options["epsilon"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
    state["mhat"] = state["m"] / (1 - beta1 ** t)
    state["vhat"] = state["v"] / (1 - beta2 ** t)
    return p - rate * state["mhat"] / (math.sqrt(state["vhat"]) + eps)


OPTIONS = {
    "sgd": {},
    "momentum": {"momentum": 0.7},
    "nesterov": {"momentum": 0.6},
    "rmsprop": {"rho": 0.8, "epsilon": 1e-3},
    "adam": {"beta1": 0.8, "beta2": 0.9, "epsilon": 1e-4},
}


def random_scenario(rng: np.random.Generator, name: str) -> dict:
    inputs = int(rng.integers(1, 4))
    sizes = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(1, 3)))]
    layers = []
    fan_in = inputs
    for units in sizes:
        bias = [True, False, "shared"][int(rng.integers(3))]
        layer = {"units": units, "activation": ["sigmoid", "tanh", "linear"][int(rng.integers(3))],
                 "bias": bias,
                 "weights": rng.uniform(-1, 1, (units, fan_in)).round(2).tolist()}
        if bias is True:
            layer["biases"] = rng.uniform(-1, 1, units).round(2).tolist()
        elif bias == "shared":
            layer["biases"] = [round(float(rng.uniform(-1, 1)), 2)]
        layers.append(layer)
        fan_in = units
    samples = int(rng.integers(1, 6))
    data = [{"inputs": rng.uniform(-1, 1, inputs).round(2).tolist(),
             "targets": rng.uniform(-1, 1, sizes[-1]).round(2).tolist()}
            for _ in range(samples)]
    mode = ["batch", "stochastic", "minibatch"][int(rng.integers(3))]
    out = {"inputs": inputs, "layers": layers, "data": data, "loss": "half_squared_error",
           "learning_rate": float(rng.choice([0.05, 0.1, 0.3])), "epochs": 3, "mode": mode,
           "reduction": ["mean", "sum"][int(rng.integers(2))],
           "l2": float(rng.choice([0.0, 0.01]))}
    if mode == "minibatch":
        out["batch_size"] = int(rng.integers(1, samples + 1))
    if mode != "batch" and rng.random() < 0.5:
        out["shuffle"] = True
        out["shuffle_seed"] = int(rng.integers(100))
    if name != "sgd":
        out["optimizer"] = {"name": name, **OPTIONS[name]}
    return out


def scalar_parameters(run) -> dict[str, tuple[str, int, int, int]]:
    return dict(run.plan.parameter_index)


def value_of(arrays_w, arrays_b, where) -> float:
    kind, layer, j, i = where
    if kind == "weight":
        return float(arrays_w[layer - 1][j - 1, i - 1])
    return float(arrays_b[layer - 1][j - 1])


@pytest.mark.parametrize("name", list(OPTIONS))
@pytest.mark.parametrize("seed", range(6))
def test_every_optimizer_follows_its_published_update(name, seed):
    rng = np.random.default_rng(1000 * seed + sum(map(ord, name)))
    data = random_scenario(rng, name)
    parameters_named = None
    scenario = scenario_from_text(yaml.safe_dump(data))
    run = api.run(scenario, detail=10_000)
    parameters_named = scalar_parameters(run)
    # freeze one parameter in every other case, and run again
    if seed % 2 and len(parameters_named) > 1:
        frozen = sorted(parameters_named)[int(rng.integers(len(parameters_named)))]
        data["frozen"] = [frozen]
        scenario = scenario_from_text(yaml.safe_dump(data))
        run = api.run(scenario, detail=10_000)
    else:
        frozen = None
    records = run.trace.iterations
    assert len(records) == run.trace.iteration_count and records[-1].epoch == 3
    first = records[0]
    p = {n: value_of([r.weights for r in first.layers], [r.biases for r in first.layers], w)
         for n, w in parameters_named.items()}
    state = {n: {"m": 0.0, "v": 0.0} for n in parameters_named}
    for record in records:
        weights = [r.weights for r in record.layers]
        biases = [r.biases for r in record.layers]
        grads_w = [r.grad_weights for r in record.layers]
        grads_b = [r.grad_biases for r in record.layers]
        values = run.values(record.iteration)
        for n, where in parameters_named.items():
            # the engine starts every iteration where the reference left the parameter
            assert value_of(weights, biases, where) == pytest.approx(p[n], rel=1e-12,
                                                                     abs=1e-14), n
            if n == frozen:  # kept, and its state never moves from 0
                p_after = p[n]
            else:
                g = value_of(grads_w, grads_b, where)
                p_after = reference_step(name, OPTIONS[name], scenario.learning_rate, p[n], g,
                                         state[n], record.iteration)
            after = value_of([r.weights_after for r in record.layers],
                             [r.biases_after for r in record.layers], where)
            assert after == pytest.approx(p_after, rel=1e-12, abs=1e-14), (n, record.iteration)
            assert values[f"{n}+"] == pytest.approx(p_after, rel=1e-12, abs=1e-14)
            for kind in {"momentum": ("v",), "nesterov": ("v",), "rmsprop": ("v",),
                         "adam": ("m", "v")}.get(name, ()):
                assert values[f"{kind}({n})+"] == pytest.approx(state[n][kind], rel=1e-12,
                                                                abs=1e-14), (n, kind)
            if name == "adam":
                expected = (state[n]["mhat"], state[n]["vhat"]) if n != frozen else (0.0, 0.0)
                assert (values[f"mhat({n})"], values[f"vhat({n})"]) == pytest.approx(
                    expected, rel=1e-12, abs=1e-14)
            p[n] = p_after
    if frozen is not None and name != "sgd":
        last = run.values(records[-1].iteration)
        assert all(v == 0.0 for k, v in last.items() if k.endswith(f"({frozen})+"))


@pytest.mark.parametrize("name", [n for n in OPTIONS if n != "sgd"])
def test_the_worked_formulas_reproduce_the_engine_in_later_iterations(name):
    """The code formulas of the state and the updates, checked (worked.reproduces) at every
    iteration kept, where the state is no longer 0, and graded: the key scores full marks,
    a wrong state is wrong."""
    rng = np.random.default_rng(7)
    data = random_scenario(rng, name)
    data.update({"mode": "minibatch", "batch_size": 2, "epochs": 2})
    scenario = scenario_from_text(yaml.safe_dump(data))
    run = api.run(scenario, detail=10_000)
    quantities(run, "code")  # raises if a formula does not give the engine's number
    last = run.trace.iterations[-1].iteration
    solution = Solution(run, last)
    held = [a for a in solution.steps if solution.section_of(a) == "optimizer"]
    assert held
    for address in solution.steps:
        assert solution.computable(address), address
        assert math.isclose(solution.evaluate(address, given={}), solution.key[address],
                            rel_tol=1e-9, abs_tol=1e-12), address
    answers = {a: f"{solution.key[a]:.6g}" for a in solution.steps}
    wrong = held[0]
    answers[wrong] = f"{solution.key[wrong] * 1.5 + 1:.6g}"
    body = "".join(f"  '{a}': {v}\n" for a, v in answers.items())
    sheet = sheet_from_text(f"student: ada\niteration: {last}\nanswers:\n{body}", "ada.yaml")
    verdicts = {i.address: i.verdict for i in grade_sheet(solution, sheet).items}
    assert verdicts[wrong] == WRONG
    assert all(v == CORRECT for a, v in verdicts.items() if a != wrong)


def test_sgd_has_no_optimizer_state():
    run = api.run(scenario_from_text(SQUARE))
    assert not any("(" in a for a in run.values())
    assert all(line.section != "optimizer" for line in run.lines(run.record(1)))


# --- settings --------------------------------------------------------------------------


@pytest.mark.parametrize(("setting", "message"), [
    ("optimizer: adamw", "optimizer: unknown optimizer 'adamw'; did you mean adam?"),
    ("optimizer: {name: momentum, beta1: 0.9}",
     "optimizer.beta1: beta1 is an option of adam, not of momentum (which takes momentum)"),
    ("optimizer: {name: rmsprop, momentum: 0.5}",
     "optimizer.momentum: momentum is an option of momentum and nesterov, not of rmsprop"),
    ("optimizer: {name: momentum, momentum: 1}",
     "optimizer.momentum: expected a number less than 1; got 1"),
    ("optimizer: {name: nesterov, momentum: -0.1}",
     "optimizer.momentum: expected 0 or more; got -0.1"),
    ("optimizer: {name: adam, epsilon: 0}",
     "optimizer.epsilon: expected a number greater than 0; got 0"),
    ("optimizer: {name: adam, beta2: 1.0}", "optimizer.beta2: expected a number less than 1"),
    ("optimizer: {name: rmsprop, rho: 1.5}", "optimizer.rho: expected a number less than 1"),
    ("optimizer: {name: adam, lr: 0.1}", "optimizer.lr: unknown key 'lr'"),
    ("optimizer: 3", "optimizer: expected an optimizer's name"),
])
def test_a_bad_optimizer_is_one_located_line(setting, message):
    with pytest.raises(InputError) as caught:
        scenario_from_text(SQUARE + setting + "\n", "bad.yaml")
    text = str(caught.value)
    assert "bad.yaml:14:" in text and message in text
    assert "\n" not in text


def test_validate_shows_the_optimizer_and_its_errors(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(SQUARE + "optimizer: {name: adam, beta1: 0.5}\n")
    result = CliRunner().invoke(app, ["validate", str(good)])
    assert result.exit_code == 0
    assert "adam: β1 = 0.5, β2 = 0.999, ε = 1e−8" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(SQUARE + "optimizer: {name: sgd, momentum: 0.9}\n")
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "momentum is an option of momentum and nesterov, not of sgd" in result.output


def test_adam_reserves_the_step_count_t():
    text = SQUARE.replace("    weights: [[10]]\n", "    weights: [[10]]\n    names: "
                          "{weights: [[t]]}\n") + "optimizer: adam\n"
    with pytest.raises(InputError, match="the name 't'"):
        scenario_from_text(text)
    # momentum reads no t
    scenario_from_text(text.replace("optimizer: adam", "optimizer: momentum"))


def test_new_writes_the_optimizer_asked_for(tmp_path):
    target = tmp_path / "n.yaml"
    result = CliRunner().invoke(app, ["new", "-o", str(target), "--optimizer", "rmsprop"])
    assert result.exit_code == 0, result.output
    scenario = api.load(target)
    assert scenario.optimizer.name == "rmsprop"
    assert (scenario.optimizer.rho, scenario.optimizer.epsilon) == (0.99, 1e-8)
    result = CliRunner().invoke(app, ["new", "-o", str(tmp_path / "m.yaml"), "--optimizer",
                                      "adamm"])
    assert result.exit_code == 2
    assert "--optimizer: unknown optimizer 'adamm'; did you mean adam?" in result.output


def test_variants_carry_the_optimizer():
    from backprop_tutor.grading.variants import make_variants

    run = api.run(api.load("adam"))
    for variant in make_variants(run, 2, seed=1):
        scenario = scenario_from_text(variant.text)
        assert scenario.optimizer == run.scenario.optimizer


def test_a_sheet_may_write_the_hat_of_a_bias_correction():
    run = api.run(api.load("adam"))
    solution = Solution(run)
    key = solution.key["mhat(w111)"]
    sheet = sheet_from_text(f"student: ada\nanswers:\n  'm̂(w111)': {key:.6g}\n", "ada.yaml")
    (item,) = [i for i in grade_sheet(solution, sheet).items if i.address == "mhat(w111)"]
    assert item.verdict == CORRECT


def test_the_shipped_scenarios_teach_what_they_say():
    momentum = api.run(api.load("momentum"), detail=10)
    assert [momentum.values(k)["w1+"] for k in (1, 2, 3)] == pytest.approx([-6, 2, -0.4])
    adam = api.run(api.load("adam"), detail=10)
    # the first step of every parameter is η, whatever its gradient (up to ε)
    first = adam.values(1)
    for name, before in adam.initial_parameters.items():
        assert abs(first[f"{name}+"] - before) == pytest.approx(0.1, rel=1e-4)
    assert adam.trace.iteration_count == 4 and adam.record(4).epoch == 2


def named(solution: Solution, iteration: int, answers: dict[str, str]) -> dict[str, object]:
    body = "".join(f"  '{a}': {v}\n" for a, v in answers.items())
    sheet = sheet_from_text(f"student: ada\niteration: {iteration}\nanswers:\n{body}",
                            "ada.yaml")
    return {i.address: i for i in grade_sheet(solution, sheet).items}


def test_the_optimizers_slips_are_named():
    momentum = api.run(scenario_from_text(SQUARE + "optimizer: {name: momentum, momentum: "
                                                   "0.1}\n"), detail=10)
    second = Solution(momentum, 2)
    # iteration 2: w = −6, ∂E/∂w = −12, v = 20 before; key v+ = −10, w+ = 2
    by = named(second, 2, {"v(w1)+": "-12", "w1+": "3.6"})
    assert by["v(w1)+"].verdict == WRONG and by["v(w1)+"].mistake.rule == "state_not_carried"
    assert by["w1+"].verdict == CARRIED  # −6 − 0.8 × (−12), from the velocity written
    by = named(second, 2, {"w1+": "3.6"})  # alone: the update of plain descent
    assert by["w1+"].verdict == WRONG and by["w1+"].mistake.rule in (
        "plain_gradient_step", "state_not_carried")
    assert "gradient alone" in by["w1+"].feedback or "left out" in by["w1+"].feedback
    adam = Solution(api.run(scenario_from_text(SQUARE + "optimizer: adam\n")))
    # iteration 1: m+ = 2, v+ = 0.4, key m̂ = 20, v̂ = 400, w+ = 9.2
    by = named(adam, 1, {"mhat(w1)": "2", "vhat(w1)": "0.4"})
    assert {by[a].mistake.rule for a in ("mhat(w1)", "vhat(w1)")} == {
        "bias_correction_left_out"}
    # m+/(√v+ + ε) = 2/0.6325 = 3.162: w+ = 10 − 0.8 × 3.162
    by = named(adam, 1, {"w1+": f"{10 - 0.8 * 2 / math.sqrt(0.4):.5g}"})
    assert by["w1+"].mistake.rule == "bias_correction_left_out"


def test_the_cache_tells_optimizers_apart_but_not_their_numbers():
    from backprop_tutor.solution import cache

    def structure(setting: str) -> dict:
        return cache.structure(scenario_from_text(SQUARE + setting))

    assert structure("") == structure("optimizer: sgd\n")
    assert "optimizer" not in structure("")
    assert structure("optimizer: {name: momentum, momentum: 0.1}\n") == structure(
        "optimizer: {name: momentum, momentum: 0.5}\n")
    assert structure("optimizer: momentum\n") != structure("optimizer: nesterov\n")
    # a cached worked solution of one μ serves another: every number comes from the trace
    for mu in (0.1, 0.5):
        run = api.run(scenario_from_text(SQUARE + f"optimizer: {{name: momentum, momentum: "
                                                  f"{mu}}}\n"), detail=10)
        quantities(run, "code")
        assert run.values(2)["v(w1)+"] == pytest.approx(mu * 20 - 12)


@pytest.mark.parametrize("name", [n for n in OPTIONS if n != "sgd"])
@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_the_matrix_view_shows_the_optimizers_state_and_update(name, layout):
    from test_matrix_form import (
        _assert_entries_are_the_worked_solution,
        _assert_matrices_are_the_oracle,
    )

    rng = np.random.default_rng(11)
    data = random_scenario(rng, name)
    data["layers"][0]["bias"] = "shared"
    data["layers"][0]["biases"] = [0.1]
    data.update({"mode": "minibatch", "batch_size": 2, "epochs": 2, "frozen": ["w111"]})
    run = api.run(scenario_from_text(yaml.safe_dump(data)), detail=10_000)
    for record in run.trace.iterations:
        assert _assert_matrices_are_the_oracle(run, record, layout) > 0
        assert _assert_entries_are_the_worked_solution(run, record, layout) > 0
