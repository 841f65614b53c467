"""Every shipped scenario against the independent closed-form oracle and finite differences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from finite_differences import central_differences
from oracle import Oracle, packed

from backprop_tutor import api
from backprop_tutor.training.engine import Network, data_arrays

SCENARIOS = Path(__file__).resolve().parent.parent / "backprop_tutor" / "examples"
SHIPPED = ["xor", "tanh_network", "relu_regression", "softmax_classifier",
           "binary_cross_entropy", "stochastic", "frozen_biases", "random_init",
           "custom_activation", "two_neuron", "house_price", "shared_bias",
           "shuffled"]
# ten layers: sympy takes a minute or more over the closed form of their loss, so these are
# checked against central differences (and their layer sizes in test_magnitudes.py)
DEEP = ["deep_sigmoid", "deep_tanh"]
RTOL = ATOL = 1e-12


def close(a, b, rtol=RTOL, atol=ATOL) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=atol)


def engine_gradients(record) -> list[np.ndarray]:
    return packed([layer.grad_weights for layer in record.layers],
                  [layer.grad_biases for layer in record.layers])


def engine_after(record) -> list[np.ndarray]:
    return packed([layer.weights_after for layer in record.layers],
                  [layer.biases_after for layer in record.layers])


def check_against_oracle(scenario, *, epochs=None) -> None:
    """Every kept iteration's loss, gradients and updates, and the final parameters."""
    run = api.run(scenario, epochs=epochs, detail=10**6)
    oracle = Oracle(scenario)
    steps, final, reason = oracle.train(packed(run.trace.initial.weights,
                                               run.trace.initial.biases), epochs)
    assert len(steps) == run.trace.iteration_count == len(run.trace.iterations)
    for step, record in zip(steps, run.trace.iterations, strict=True):
        assert step.samples == record.samples
        close(record.loss, step.loss)
        for mine, theirs in zip(engine_gradients(record), step.gradients, strict=True):
            close(mine, theirs)
        for mine, theirs in zip(engine_after(record), step.after, strict=True):
            close(mine, theirs)
    for mine, theirs in zip(packed(run.trace.final.weights, run.trace.final.biases), final,
                            strict=True):
        close(mine, theirs)
    assert run.trace.stop_reason == reason
    close(run.trace.running, oracle.running)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_matches_the_closed_form(name: str) -> None:
    path = SCENARIOS / f"{name}.yaml"
    if not path.exists():
        pytest.fail(f"{name}.yaml is not shipped")
    scenario = api.load(path)
    # a long run is replayed in full only for XOR, whose lesson is the stop at the tolerance
    check_against_oracle(scenario, epochs=None if name == "xor" else min(scenario.epochs, 10))


@pytest.mark.parametrize("name", SHIPPED + DEEP)
def test_first_gradients_match_central_differences(name: str) -> None:
    run = api.run(api.load(SCENARIOS / f"{name}.yaml"))
    for engine, numeric in central_differences(run, run.trace.iterations[0]):
        assert numeric == pytest.approx(engine, rel=1e-6, abs=1e-6)


def test_xor_trains_until_the_tolerance() -> None:
    run = api.run(api.load(SCENARIOS / "xor.yaml"))
    assert run.trace.stop_reason == "tolerance"
    assert run.trace.final_loss < run.scenario.tolerance
    assert run.trace.epochs_run < run.scenario.epochs
    # the loss before the last epoch run was still at or above the tolerance
    assert run.trace.history[-1] >= run.scenario.tolerance
    # and the network has learnt XOR
    _, acts = Network(run.plan, run.scenario).forward(run.trace.final, data_arrays(
        run.scenario)[0])
    assert np.array_equal(acts[-1][:, 0] > 0.5, [False, True, True, False])
