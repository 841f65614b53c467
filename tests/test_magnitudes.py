"""The size of every layer's δ and weight gradients per epoch (training/magnitudes.py), its
reading (solution/magnitudes.py) and its chart (render/magnitudes.py).

The numbers are checked against the values map of the iterations kept in full (one epoch, every
shipped scenario, and minibatches whose last batch is smaller) and against a straightforward
reimplementation below: per-sample Python loops over numpy vectors, written from the textbook
definitions, that shares nothing with the engine.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from backprop_tutor import api, examples
from backprop_tutor.network.addresses import derivative
from backprop_tutor.notation.numbers import power_of_ten
from backprop_tutor.render.magnitudes import MagnitudeChart
from backprop_tutor.scenario.schema import Scenario
from backprop_tutor.solution import magnitudes
from backprop_tutor.solution.run import train
from backprop_tutor.solution.values import sample_suffixes

KEEP_ALL = 10**6


def _from_values(run) -> tuple[np.ndarray, np.ndarray]:
    """Per epoch and layer, mean |δ| and mean |∂E/∂w| from the values map of every iteration
    (all kept), each update's mean averaged over its epoch's updates."""
    E = run.plan.loss_symbol
    per_epoch: dict[int, list[tuple[list[float], list[float]]]] = {}
    for record in run.trace.iterations:
        values = run.values(record.iteration)
        suffixes = sample_suffixes(record)
        deltas, gradients = [], []
        for layer in run.plan.layers:
            d = [abs(values[derivative(E, u.net) + s]) for u in layer.units for s in suffixes]
            g = [abs(values[derivative(E, w)]) for u in layer.units for w in u.weights]
            deltas.append(sum(d) / len(d))
            gradients.append(sum(g) / len(g))
        per_epoch.setdefault(record.epoch, []).append((deltas, gradients))
    rows = [per_epoch[e] for e in sorted(per_epoch)]
    return (np.array([np.mean([u[0] for u in updates], axis=0) for updates in rows]),
            np.array([np.mean([u[1] for u in updates], axis=0) for updates in rows]))


@pytest.mark.parametrize("name", examples.network_names())  # circuits have no layers
def test_one_epoch_equals_the_values_of_its_iterations(name):
    run = train(api.load(name), epochs=1, detail=KEEP_ALL)
    assert len(run.trace.iterations) == run.trace.iteration_count  # every update kept
    delta, gradient = _from_values(run)
    np.testing.assert_allclose(run.trace.magnitudes.delta, delta, rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.trace.magnitudes.weight_gradients, gradient, rtol=1e-12,
                               atol=0)


@pytest.mark.parametrize(("name", "batch_size"), [("xor", 3), ("shuffled", 1),
                                                   ("softmax_classifier", 2)])
def test_minibatches_with_a_smaller_last_batch_weigh_each_update_once(name, batch_size):
    scenario = api.load(name)
    scenario = scenario.model_copy(update={"mode": "minibatch", "batch_size": batch_size})
    run = train(scenario, epochs=3, detail=KEEP_ALL)
    delta, gradient = _from_values(run)
    np.testing.assert_allclose(run.trace.magnitudes.delta, delta, rtol=1e-12)
    np.testing.assert_allclose(run.trace.magnitudes.weight_gradients, gradient, rtol=1e-12)


# --- a straightforward reimplementation -------------------------------------------------------

_F = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(float)),
}


def _reference(weights, biases, activations, x, t, rate, size, epochs):
    """Mean |δ| and mean |∂E/∂w| per epoch and layer of gradient descent on E = mean over the
    batch of ½ Σ (T − a)², batches of ``size`` consecutive samples."""
    W = [np.array(w, dtype=float) for w in weights]
    b = [np.array(v, dtype=float) for v in biases]
    layers = len(W)
    delta_rows, gradient_rows = [], []
    for _ in range(epochs):
        delta_sum, gradient_sum, updates = np.zeros(layers), np.zeros(layers), 0
        for start in range(0, len(x), size):
            batch = range(start, min(start + size, len(x)))
            gW = [np.zeros_like(w) for w in W]
            gb = [np.zeros_like(v) for v in b]
            deltas: list[list[np.ndarray]] = [[] for _ in range(layers)]
            for s in batch:
                a, zs = [x[s]], []
                for n in range(layers):
                    zs.append(W[n] @ a[-1] + b[n])
                    a.append(_F[activations[n]][0](zs[-1]))
                delta = (a[-1] - t[s]) * _F[activations[-1]][1](zs[-1], a[-1])
                for n in reversed(range(layers)):
                    deltas[n].append(delta)
                    gW[n] += np.outer(delta, a[n])
                    gb[n] += delta
                    if n:
                        delta = (W[n].T @ delta) * _F[activations[n - 1]][1](zs[n - 1], a[n])
            m = len(batch)
            for n in range(layers):
                gW[n] /= m
                gb[n] /= m
                delta_sum[n] += np.mean(np.abs(deltas[n]))
                gradient_sum[n] += np.mean(np.abs(gW[n]))
            for n in range(layers):
                W[n] -= rate * gW[n]
                b[n] -= rate * gb[n]
            updates += 1
        delta_rows.append(delta_sum / updates)
        gradient_rows.append(gradient_sum / updates)
    return np.array(delta_rows), np.array(gradient_rows)


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 4))] + [int(rng.integers(1, 5)) for _ in
                                         range(int(rng.integers(2, 6)))]
    activations = [str(rng.choice(list(_F))) for _ in sizes[1:]]
    weights = [np.round(rng.uniform(-1.5, 1.5, (k, j)), 4)
               for j, k in zip(sizes, sizes[1:], strict=False)]
    biases = [np.round(rng.uniform(-0.5, 0.5, k), 4) for k in sizes[1:]]
    samples = int(rng.integers(1, 8))
    x = np.round(rng.uniform(-1, 1, (samples, sizes[0])), 3)
    t = np.round(rng.uniform(-0.5, 1, (samples, sizes[-1])), 3)
    mode = str(rng.choice(["batch", "stochastic", "minibatch"]))
    size = {"batch": samples, "stochastic": 1}.get(mode, int(rng.integers(1, samples + 1)))
    epochs = int(rng.integers(2, 7))
    document = {
        "inputs": sizes[0],
        "layers": [{"units": k, "activation": f, "weights": w.tolist(), "biases": v.tolist()}
                   for k, f, w, v in zip(sizes[1:], activations, weights, biases, strict=True)],
        "data": [{"inputs": xs.tolist(), "targets": ts.tolist()}
                 for xs, ts in zip(x, t, strict=True)],
        "loss": "half_squared_error", "learning_rate": 0.3, "epochs": epochs, "mode": mode,
    }
    if mode == "minibatch":
        document["batch_size"] = size
    scenario = Scenario.model_validate(document)
    return scenario, (weights, biases, activations, x, t, 0.3, size, epochs)


@pytest.mark.parametrize("seed", range(40))
def test_several_epochs_of_random_networks_equal_a_plain_reimplementation(seed):
    scenario, case = _random_case(seed)
    trace = train(scenario).trace
    delta, gradient = _reference(*case)
    assert trace.magnitudes.delta.shape == delta.shape == (trace.epochs_run, len(case[0]))
    np.testing.assert_allclose(trace.magnitudes.delta, delta, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(trace.magnitudes.weight_gradients, gradient, rtol=1e-9,
                               atol=1e-300)


@pytest.mark.parametrize(("kept_size", "kept_arrays"), [(0, 4096), (6, 4096), (4096, 3)])
@pytest.mark.parametrize("seed", range(12))
def test_arrays_reduced_at_once_or_kept_for_the_epoch_give_the_same_numbers(
        seed, kept_size, kept_arrays, monkeypatch):
    """Large arrays are reduced during their update, small ones together later: every array at
    once (size 0), some of each in one epoch (6), small ones a few at a time within an epoch
    (3 arrays), against the reimplementation."""
    from backprop_tutor.training import magnitudes as meter

    monkeypatch.setattr(meter, "KEPT_SIZE", kept_size)
    monkeypatch.setattr(meter, "KEPT_ARRAYS", kept_arrays)
    scenario, case = _random_case(seed)
    trace = train(scenario).trace
    delta, gradient = _reference(*case)
    np.testing.assert_allclose(trace.magnitudes.delta, delta, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(trace.magnitudes.weight_gradients, gradient, rtol=1e-9,
                               atol=1e-300)


@pytest.mark.parametrize("name", ["deep_sigmoid", "deep_tanh"])
def test_the_shipped_deep_networks_equal_the_reimplementation(name):
    """The numbers the lesson quotes, first layer's 1e−7 included, to nine digits."""
    run = train(api.load(name))
    x, t = (np.array([[*getattr(s, k)] for s in run.scenario.data], dtype=float)
            for k in ("inputs", "targets"))
    delta, gradient = _reference(run.trace.initial.weights, run.trace.initial.biases,
                                 [layer.activation for layer in run.scenario.layers], x, t,
                                 run.scenario.learning_rate, len(x), run.scenario.epochs)
    np.testing.assert_allclose(run.trace.magnitudes.delta, delta, rtol=1e-9, atol=0)
    np.testing.assert_allclose(run.trace.magnitudes.weight_gradients, gradient, rtol=1e-9,
                               atol=0)


def test_a_run_that_stops_at_its_tolerance_has_one_row_per_epoch_run():
    run = train(api.load("xor"))
    assert run.trace.stop_reason == "tolerance"
    assert run.trace.magnitudes.delta.shape == (run.trace.epochs_run, 2)


# --- the reading ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("ratio", "power"), [
    (3.0e-6, -6), (4.0e-6, -5), (1e-4, -4), (0.3, -1), (0.35, 0), (1.0, 0), (3.0, 0),
    (3.5, 1), (150, 2), (9.9e-5, -4)])
def test_the_power_of_ten_is_the_nearest_on_a_log_scale(ratio, power):
    assert magnitudes.Comparison(1, ratio, 1.0).power == power


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-300, max_value=1e300), st.floats(min_value=1e-300, max_value=1e300))
def test_the_reading_names_the_power_of_ten_of_the_ratio(first, last):
    comparison = magnitudes.Comparison(1, first, last)
    ratio = first / last
    if ratio == 0 or not math.isfinite(ratio):
        return
    power = comparison.power
    assert abs(math.log10(ratio) - power) <= 0.5 + 1e-12
    series = [magnitudes.LayerSeries(1, 1, [1.0], [first]),
              magnitudes.LayerSeries(2, 1, [1.0], [last])]
    text = magnitudes.reading(series)
    if power < 0:
        assert f"about {power_of_ten(power)} of the last layer's" in text and "fade" in text
    elif power == 0:
        assert "of the same order as the last layer's" in text and "do not fade" in text
    else:
        assert f"about {power_of_ten(power)} times the last layer's" in text and "grow" in text


def test_zero_and_non_finite_gradients_are_said_in_words():
    def text(first, last):
        return magnitudes.reading([magnitudes.LayerSeries(1, 1, [1.0], [first]),
                                   magnitudes.LayerSeries(2, 1, [1.0], [last])])

    assert text(0.0, 0.5) == ("Epoch 1: the first layer's weight gradients are 0: no error "
                              "reaches the first layer.")
    assert "0, as are the last layer's" in text(0.0, 0.0)
    assert "not 0 while the last layer's are." in text(0.2, 0.0)
    assert "not finite" in text(math.nan, 0.5) and "not finite" in text(0.1, math.inf)


def test_a_network_of_one_layer_has_nothing_to_compare():
    run = train(api.load("two_neuron").model_copy(update={"epochs": 2}))
    one = [magnitudes.layer_series(run)[0]]
    assert magnitudes.comparisons(one) == [] and magnitudes.reading(one) is None


def test_power_of_ten_is_written_in_superscript():
    assert power_of_ten(-6) == "10⁻⁶" and power_of_ten(12) == "10¹²" and power_of_ten(0) == "10⁰"
    assert power_of_ten(-4, unicode=False) == "10^-4"


def test_the_shipped_pair_shows_the_lesson():
    """deep_sigmoid: layer 1's gradients orders of magnitude below the last layer's in the first
    and the last epoch; deep_tanh, the same network with tanh: of the same order in both."""
    sigmoid = train(api.load("deep_sigmoid"))
    tanh = train(api.load("deep_tanh"))
    for run, low, high in ((sigmoid, -math.inf, -3), (tanh, -0.5, 0.5)):
        gradients = run.trace.magnitudes.weight_gradients
        for epoch in (0, -1):
            ratio = math.log10(gradients[epoch, 0] / gradients[epoch, -1])
            assert low < ratio < high, (run.scenario.title, epoch, ratio)
    sigmoid_text = magnitudes.reading(magnitudes.layer_series(sigmoid))
    g = sigmoid.trace.magnitudes.weight_gradients
    first_power = round(math.log10(g[0, 0] / g[0, -1]))
    assert sigmoid_text.startswith(f"Epoch 1: the first layer's weight gradients are about "
                                   f"{power_of_ten(first_power)} of the last layer's")
    assert "they do not fade" in magnitudes.reading(magnitudes.layer_series(tanh))
    # the two scenarios differ in the hidden activation only
    different = {"title", "teaches", "layers"}
    assert sigmoid.scenario.model_dump(exclude=different) == tanh.scenario.model_dump(
        exclude=different)
    for mine, theirs in zip(sigmoid.scenario.layers, tanh.scenario.layers, strict=True):
        assert mine.model_dump(exclude={"activation"}) == theirs.model_dump(exclude={"activation"})
    assert [layer.activation for layer in sigmoid.scenario.layers] == ["sigmoid"] * 8 + ["linear"]
    assert [layer.activation for layer in tanh.scenario.layers] == ["tanh"] * 8 + ["linear"]
    for mine, theirs in ((sigmoid.trace.initial.weights, tanh.trace.initial.weights),
                         (sigmoid.trace.initial.biases, tanh.trace.initial.biases)):
        assert all(np.array_equal(u, v) for u, v in zip(mine, theirs, strict=True))


# --- the chart -----------------------------------------------------------------------------------

def _chart_lines(series, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(MagnitudeChart(series))
    return console.file.getvalue().splitlines()


positive = st.floats(min_value=1e-12, max_value=1e3)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10), st.integers(1, 400), st.integers(40, 140), st.data())
def test_the_chart_fits_its_width_and_draws_one_bar_per_column(layers, epochs, width, data):
    series = [magnitudes.LayerSeries(n, 2, data.draw(st.lists(positive, min_size=epochs,
                                                              max_size=epochs)),
                                     data.draw(st.lists(positive, min_size=epochs,
                                                        max_size=epochs)))
              for n in range(1, layers + 1)]
    lines = _chart_lines(series, width)
    assert all(cell_len(line) <= width for line in lines)
    bars = [line for line in lines if re.match(r" *[0-9]+  ", line)]  # a layer's row
    assert len(bars) in (layers, 2 * layers)  # side by side, or one block above the other
    drawn = {sum(ch in "▁▂▃▄▅▆▇█" for ch in line) for line in bars}
    assert len(drawn) == 1
    columns = drawn.pop() // (2 if len(bars) == layers else 1)  # every number is drawn
    assert 1 <= columns <= epochs


def test_the_scale_is_logarithmic_over_decades_and_the_extremes_are_the_lowest_and_highest_bar():
    series = [magnitudes.LayerSeries(1, 1, [1e-6, 2e-6], [1e-7, 1e-7]),
              magnitudes.LayerSeries(2, 1, [0.1, 0.2], [0.05, 0.01])]
    lines = _chart_lines(series, 80)
    text = "\n".join(lines)
    assert "log scale" in text
    rows = {line.split()[0]: line.split()[1] for line in lines if line.split()
            and line.split()[0] in ("1", "2")}
    assert rows["1"][0] == "▁" and rows["2"][-1] == "█"


def test_zero_and_non_finite_numbers_are_blank_and_said():
    series = [magnitudes.LayerSeries(1, 1, [0.0, 0.1], [math.nan, 0.1]),
              magnitudes.LayerSeries(2, 1, [0.2, 0.2], [0.2, 0.2])]
    text = " ".join(" ".join(_chart_lines(series, 80)).split())  # lines joined again
    assert "a blank bar is 0" in text and "infinite or NaN are left blank" in text


def test_the_json_reading_is_the_terminal_reading_in_ascii():
    run = train(api.load("deep_sigmoid"))
    series = magnitudes.layer_series(run)
    written = magnitudes.document(run)["reading"]
    assert written.isascii() and "10^-6" in written
    printed = magnitudes.reading(series)
    ascii_printed = re.sub("10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "10^" + m.group(1).translate(
        str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")), printed).replace("−", "-")
    assert written == ascii_printed
