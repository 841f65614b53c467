"""Training settings: modes, epochs and tolerance, frozen parameters, L2, init, names."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from backprop_tutor import api
from backprop_tutor.errors import InputError
from backprop_tutor.render.json_out import run_document
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.training.engine import Network, data_arrays

BASE = {
    "inputs": 2,
    "layers": [
        {"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [-0.2, 0.4]],
         "biases": [0.5, 0.5]},
        {"units": 1, "activation": "sigmoid", "weights": [[0.7, -0.3]], "biases": [0.5]},
    ],
    "data": [{"inputs": [1, 0], "targets": [1]}, {"inputs": [0, 1], "targets": [0]},
             {"inputs": [1, 1], "targets": [0]}, {"inputs": [0, 0], "targets": [1]},
             {"inputs": [0.5, 0.5], "targets": [1]}],
    "learning_rate": 0.5,
}


def scenario(**changes):
    return scenario_from_text(yaml.safe_dump({**BASE, **changes}))


@pytest.mark.parametrize(("mode", "size", "expected"), [
    ("batch", None, [(1, 2, 3, 4, 5)]),
    ("stochastic", None, [(1,), (2,), (3,), (4,), (5,)]),
    ("minibatch", 2, [(1, 2), (3, 4), (5,)]),
])
def test_each_iteration_is_one_update_on_its_samples(mode, size, expected) -> None:
    extra = {"batch_size": size} if size else {}
    run = api.run(scenario(mode=mode, epochs=2, **extra), detail=100)
    records = run.trace.iterations
    assert [r.samples for r in records] == expected * 2
    assert [r.epoch for r in records] == [1] * len(expected) + [2] * len(expected)
    assert run.trace.iteration_count == 2 * len(expected)
    document = run_document(run)
    assert [i["sample_indices"] for i in document["iterations"]] == [list(s) for s in
                                                                    expected * 2]
    # each update starts from the parameters the previous one produced, and its loss is its
    # own batch's loss before the update
    net = Network(run.plan, run.scenario)
    x, t = data_arrays(run.scenario)
    for before, after in zip(records, records[1:], strict=False):
        for layer_before, layer_after in zip(before.layers, after.layers, strict=True):
            assert np.array_equal(layer_before.weights_after, layer_after.weights)
        index = np.array(after.samples) - 1
        from backprop_tutor.training.trace import Parameters
        params = Parameters(tuple(la.weights for la in after.layers),
                            tuple(la.biases for la in after.layers))
        assert after.loss == pytest.approx(net.total_loss(params, x[index], t[index]), rel=1e-14)


def test_history_is_the_loss_over_all_samples_before_each_epoch() -> None:
    run = api.run(scenario(mode="stochastic", epochs=3), detail=100)
    net = Network(run.plan, run.scenario)
    x, t = data_arrays(run.scenario)
    assert len(run.trace.history) == 3
    assert run.trace.history[0] == pytest.approx(net.total_loss(run.trace.initial, x, t))
    last_of_epoch_1 = run.trace.iterations[4]
    from backprop_tutor.training.trace import Parameters
    params = Parameters(tuple(la.weights_after for la in last_of_epoch_1.layers),
                        tuple(la.biases_after for la in last_of_epoch_1.layers))
    assert run.trace.history[1] == pytest.approx(net.total_loss(params, x, t), rel=1e-14)
    assert run.trace.final_loss == pytest.approx(net.total_loss(run.trace.final, x, t))
    assert run.trace.stop_reason == "epochs" and run.trace.epochs_run == 3


def test_tolerance_stops_as_soon_as_the_loss_over_all_samples_is_below_it() -> None:
    free = api.run(scenario(epochs=400))
    history = free.trace.history
    tolerance = (history[40] + history[41]) / 2  # reached after the 41st epoch's update
    run = api.run(scenario(epochs=400, tolerance=tolerance))
    assert run.trace.stop_reason == "tolerance"
    assert run.trace.epochs_run == 41 and run.trace.history == history[:41]
    assert run.trace.final_loss == pytest.approx(history[41], rel=1e-14)
    assert run.trace.final_loss < tolerance
    unreachable = api.run(scenario(epochs=5, tolerance=1e-9))
    assert unreachable.trace.stop_reason == "epochs" and unreachable.trace.epochs_run == 5
    assert run_document(run)["final"]["stop_reason"] == "tolerance"


def test_frozen_parameters_keep_their_value_and_are_marked() -> None:
    run = api.run(scenario(epochs=3, frozen=["b11", "w212"]))
    assert run.final_parameters["b11"] == 0.5 and run.final_parameters["w212"] == -0.3
    assert run.final_parameters["b12"] != 0.5
    record = run.trace.iterations[0]
    updates = {line.address: line for line in run.lines(record) if line.section == "updates"}
    assert updates["b11+"].frozen and updates["b11+"].result == 0.5
    assert not updates["b12+"].frozen
    document = run_document(run)
    gradients = document["gradients"]
    assert gradients["b11"]["frozen"] is True and "frozen" not in gradients["b12"]
    assert document["iterations"][0]["values"]["dE/db11"] != 0  # still computed and shown


def test_unknown_frozen_names_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        scenario(frozen=["b13"])
    assert "no parameter is called 'b13'" in caught.value.detail


def test_l2_is_its_own_term_of_each_weight_gradient_only() -> None:
    plain = api.run(scenario())
    decayed = api.run(scenario(l2=0.1))
    for name, w in plain.initial_parameters.items():
        extra = 0.1 * w if name.startswith("w") else 0.0
        assert decayed.values()[f"dE/d{name}"] == pytest.approx(
            plain.values()[f"dE/d{name}"] + extra, rel=1e-14, abs=1e-16)
    lines = {line.address: line for line in decayed.lines(decayed.trace.iterations[0])}
    assert lines["dE/dw211"].l2_term == pytest.approx(0.1 * 0.7)
    assert lines["dE/db21"].l2_term == 0.0
    document = run_document(decayed)
    assert document["gradients"]["w211"]["l2"] == {"symbol": "λ·w211", "lambda": 0.1}
    assert document["iterations"][0]["l2"]["w211"] == pytest.approx(0.07)
    assert "l2" not in document["gradients"]["b21"] and "b21" not in document["iterations"][0]["l2"]
    plain_document = run_document(plain)
    assert "l2" not in plain_document["gradients"]["w211"]
    assert "l2" not in plain_document["iterations"][0]


def _without_parameters(**init):
    layers = [{"units": 2, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}]
    return scenario(layers=layers, init=init)


@pytest.mark.parametrize("method", ["uniform", "xavier", "he"])
def test_init_draws_the_same_values_for_the_same_seed(method: str) -> None:
    first = api.run(_without_parameters(seed=7, method=method)).initial_parameters
    again = api.run(_without_parameters(seed=7, method=method)).initial_parameters
    other = api.run(_without_parameters(seed=8, method=method)).initial_parameters
    assert first == again and first != other
    # rounded to 4 decimals, so that a student can copy them exactly
    assert all(round(v, 4) == v for v in first.values())


def test_uniform_init_stays_in_its_range_and_the_run_shows_the_drawn_values() -> None:
    run = api.run(_without_parameters(seed=3, method="uniform", low=-0.2, high=0.1))
    assert all(-0.2 <= v <= 0.1 for v in run.initial_parameters.values())
    document = run_document(run)
    layers = document["scenario"]["layers"]
    assert layers[0]["weights"] == run.trace.initial.weights[0].tolist()
    assert layers[1]["biases"] == run.trace.initial.biases[1].tolist()


def test_names_override_the_default_names() -> None:
    layers = [dict(BASE["layers"][0], names={"weights": [["w1", "w2"], ["w3", "w4"]],
                                             "biases": ["b1", "b2"], "activations": ["h1", "h2"]}),
              dict(BASE["layers"][1], names={"weights": [["w5", "w6"]], "biases": ["b3"]})]
    run = api.run(scenario(layers=layers, frozen=["w6"]))
    assert list(run.final_parameters) == ["w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3"]
    assert "dE/dh1@1" in run.values() and run.final_parameters["w6"] == -0.3


@pytest.mark.parametrize(("names", "complaint"), [
    ({"weights": [["w1", "w2"]]}, "names.weights must be 2 rows of 2 names"),
    ({"biases": ["b1"]}, "names.biases must give 2 names"),
    ({"biases": ["w111", "b2"]}, "names must be unique"),
])
def test_names_must_fit_and_be_unique(names, complaint) -> None:
    layers = [dict(BASE["layers"][0], names=names), BASE["layers"][1]]
    with pytest.raises(InputError) as caught:
        scenario(layers=layers)
    assert complaint in caught.value.detail
