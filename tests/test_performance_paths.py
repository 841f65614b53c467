"""The fast paths keep the results: JSON writer, δ printing, recording policy, progress."""

from __future__ import annotations

import io
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tutor import api
from backprop_tutor.cli import BLAS_THREAD_VARIABLES, single_threaded_blas
from backprop_tutor.cli.progress import EpochBar, training_progress
from backprop_tutor.maths.checks import same_function
from backprop_tutor.render.json_out import (
    ANY_JSON,
    LARGE_DOCUMENT_NUMBERS,
    MAX_ADDRESSED_SAMPLES,
    dumps,
    is_large,
    run_document,
    write_json,
)
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.solution.chain_text import _in_order, _Printed
from backprop_tutor.symbolic.printers import latex_text


def network_text(sizes: list[int], activation: str, *, output: str | None = None,
                 samples: int = 2, epochs: int = 1, loss: str = "half_squared_error",
                 seed: int = 0, mode: str = "batch") -> str:
    """A scenario with random parameters and data, as YAML text."""
    rng = np.random.default_rng(seed)
    lines = [f"inputs: {sizes[0]}", "layers:"]
    last = len(sizes) - 2
    for k, (fan_in, units) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        act = output if k == last and output else activation
        weights = rng.uniform(-0.5, 0.5, (units, fan_in)).round(4).tolist()
        biases = rng.uniform(-0.5, 0.5, units).round(4).tolist()
        lines += [f"  - units: {units}", f"    activation: {act}",
                  f"    weights: {weights}", f"    biases: {biases}"]
    lines.append("data:")
    for _ in range(samples):
        x = rng.uniform(-1, 1, sizes[0]).round(4).tolist()
        if loss == "cross_entropy":
            t = [0.0] * sizes[-1]
            t[int(rng.integers(sizes[-1]))] = 1.0
        else:
            t = rng.uniform(0.1, 0.9, sizes[-1]).round(4).tolist()
        lines.append(f"  - {{inputs: {x}, targets: {t}}}")
    lines += [f"loss: {loss}", "learning_rate: 0.5", f"epochs: {epochs}", f"mode: {mode}"]
    if mode == "minibatch":
        lines.append("batch_size: 3")
    return "\n".join(lines) + "\n"


def run_of(text: str, **options) -> api.Run:
    return api.run(scenario_from_text(text), **options)


# ---- the JSON writer -------------------------------------------------------------------

_json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=25)


def _finite_only(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite_only(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite_only(v) for v in obj]
    return obj


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _json_values, max_size=5))
def test_dumps_is_strict_json_of_the_same_data(document):
    text = dumps(document, ANY_JSON)

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not strict JSON")

    assert json.loads(text, parse_constant=refuse) == _finite_only(document)
    stream = io.StringIO()
    write_json(document, stream, ANY_JSON)
    assert stream.getvalue() == text + "\n"


def test_a_small_document_is_indented_and_keeps_its_characters():
    document = {"a": [1.0, 2.5], "b": {"x": 1, "y": "∂"}, "c": float("nan")}
    text = dumps(document, ANY_JSON)
    assert '\n  "b": {\n    "x": 1,\n    "y": "∂"\n  },\n' in text
    assert json.loads(text) == {**document, "c": None}


def _strict(text: str):
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not strict JSON")

    return json.loads(text, parse_constant=refuse)


def test_large_documents_are_counted_by_their_numbers():
    at_limit = {"a": [0.5] * (LARGE_DOCUMENT_NUMBERS - 2), "b": {"c": [1, 2]}, "d": "x"}
    assert not is_large(at_limit)
    assert not is_large({**at_limit, "e": True, "f": None, "g": "text"})  # not numbers
    assert is_large({**at_limit, "e": [[3.0]]})
    batch = {"iterations": [{"sample_indices": list(range(1, MAX_ADDRESSED_SAMPLES + 1))}]}
    assert not is_large(batch)
    batch["iterations"].append({"sample_indices": list(range(MAX_ADDRESSED_SAMPLES + 1))})
    assert is_large(batch)


@settings(max_examples=20, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _json_values, max_size=4),
       st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3))
def test_a_large_document_is_compact_strict_json_of_the_same_data(small, extra):
    document = {**small, "iterations": [{"samples": [{"nodes": {"z1": v}} for v in extra],
                                         "bulk": [0.25] * LARGE_DOCUMENT_NUMBERS}]}
    text = dumps(document, ANY_JSON)
    assert "\n" not in text  # a line break inside a string is escaped
    assert _strict(text) == _finite_only(document)
    stream = io.StringIO()
    write_json(document, stream, ANY_JSON)
    assert stream.getvalue() == text + "\n"


def test_a_large_run_is_written_compact_and_a_small_one_indented():
    big = run_of(network_text([3, 4, 2], "sigmoid", samples=MAX_ADDRESSED_SAMPLES + 1))
    small = run_of(network_text([2, 3, 1], "sigmoid", samples=4))
    for run, lines in ((big, 1), (small, None)):
        document = run_document(run)
        stream = io.StringIO()
        write_json(document, stream)
        text = stream.getvalue()
        if lines is None:
            assert text.count("\n") > 20  # every key on its own line
        else:
            assert text.count("\n") == lines
        parsed = _strict(text)
        assert parsed == json.loads(json.dumps(_finite_only(document)))
        assert parsed["final"]["parameters"] == run.final_parameters


def test_blas_threads_default_to_one_but_a_users_setting_wins(monkeypatch):
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    single_threaded_blas()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "3"


# ---- the printed δ -------------------------------------------------------------------


@pytest.mark.parametrize("sizes,activation,output,loss", [
    ([3, 9, 4, 2], "sigmoid", None, "half_squared_error"),
    ([2, 5, 5, 3], "tanh", "linear", "half_squared_error"),
    ([2, 6, 3, 3], "relu", None, "squared_error"),
    ([2, 4, 4, 3], "sigmoid", "softmax", "cross_entropy"),
    ([2, 4, 4, 3], "tanh", "softmax", "half_squared_error"),
])
def test_delta_templates_print_exactly_what_sympy_prints(sizes, activation, output, loss):
    run = run_of(network_text(sizes, activation, output=output, loss=loss))
    printed = _Printed()
    d = run.derivation
    deltas = [f for layer in run.graph.layers for u in layer
              for f in (d.delta_factor(u), d.upstream_factor(u))]
    for f in deltas:
        text, latex = printed(f)
        assert text == _in_order(f.expression)
        assert latex == latex_text(f.expression)
    assert len(printed._by_shape) < len(deltas)  # the templates were shared


def test_delta_sum_keeps_the_order_of_the_recursion():
    run = run_of(network_text([2, 3, 11, 1], "sigmoid"))
    upstream = run.derivation.upstream_factor(run.graph.layers[0][0])  # Σ_k w_k·δ_k
    text, _ = _Printed()(upstream)
    positions = [text.index(f"dE/dz2_{k}") for k in range(1, 12)]
    assert positions == sorted(positions)  # 1, 2, ..., 11, not 1, 10, 11, 2, ...


# ---- bounded documents ---------------------------------------------------------------


def test_large_batches_keep_per_sample_numbers_in_samples_only():
    big = run_document(run_of(network_text([2, 3, 1], "sigmoid",
                                           samples=MAX_ADDRESSED_SAMPLES + 1)))
    small = run_document(run_of(network_text([2, 3, 1], "sigmoid",
                                             samples=MAX_ADDRESSED_SAMPLES)))
    big_it, small_it = big["iterations"][0], small["iterations"][0]
    assert len(big_it["samples"]) == MAX_ADDRESSED_SAMPLES + 1
    assert not any("@" in k for k in big_it["values"])
    assert "samples" not in small_it
    assert sum(k.startswith("z21@") for k in small_it["values"]) == MAX_ADDRESSED_SAMPLES


def test_per_sample_nodes_are_the_records_numbers():
    run = run_of(network_text([2, 3, 2], "tanh", samples=5))
    values = run_document(run)["iterations"][0]["values"]
    record = run.trace.iterations[0]
    for s in range(5):
        for layer, units in zip(record.layers, run.graph.layers, strict=True):
            for j, u in enumerate(units):
                assert values[f"{u.net.name}@{s + 1}"] == layer.z[s, j]
                assert values[f"{u.out.name}@{s + 1}"] == layer.a[s, j]


def test_long_training_keeps_only_the_detailed_iterations_and_every_loss():
    text = network_text([1, 1, 1], "sigmoid", samples=1, epochs=20_000)
    run = run_of(text, detail=3)
    trace = run.trace
    assert [r.iteration for r in trace.iterations] == [1, 2, 3, 20_000]
    assert len(trace.history) == 20_000
    assert trace.history[0] == trace.iterations[0].loss


@pytest.mark.parametrize("mode", ["batch", "minibatch", "stochastic"])
def test_progress_is_called_once_per_epoch_with_the_loss_after_it(mode):
    text = network_text([2, 3, 1], "sigmoid", samples=4, epochs=7, mode=mode)
    calls = []
    run = run_of(text, progress=lambda *args: calls.append(args))
    history = run.trace.history
    assert [(e, n) for e, n, _ in calls] == [(e, 7) for e in range(1, 8)]
    assert [loss for *_, loss in calls] == [*history[1:], run.trace.final_loss]
    quiet = run_of(text)
    assert quiet.final_parameters == run.final_parameters


# ---- the progress bar ----------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_stderr_is_not_a_terminal():
    with training_progress(stream=io.StringIO()) as progress:
        assert progress is None


def test_bar_waits_a_second_then_draws_on_its_stream_and_cleans_up():
    now = [0.0]
    stream = _Terminal()
    bar = EpochBar(stream, no_color=True, clock=lambda: now[0])
    bar(1, 100, 0.5)
    assert bar.bar is None and stream.getvalue() == ""
    now[0] = 1.5
    bar(2, 100, 0.25)
    assert bar.bar is not None
    task = bar.bar.tasks[0]
    assert task.completed == 2 and task.total == 100 and task.fields["loss"] == "0.25"
    bar(100, 100, 0.125)
    assert bar.bar.tasks[0].completed == 100
    bar.close()
    assert bar.bar is None


def test_a_short_run_never_draws():
    stream = _Terminal()
    bar = EpochBar(stream, clock=lambda: 0.0)
    for epoch in range(1, 11):
        bar(epoch, 10, 0.1)
    bar.close()
    assert stream.getvalue() == ""


# ---- the textbook-form check --------------------------------------------------------


def test_same_function_still_tells_forms_apart():
    import sympy as sp

    z = sp.Symbol("z", real=True)
    s = 1 / (1 + sp.exp(-z))
    points = {z: (-2.3, -0.7, 0.35, 0.81, 1.9)}
    assert same_function(sp.diff(s, z), s * (1 - s), points)
    assert not same_function(sp.diff(s, z), s * (1 + s), points)
    assert not same_function(sp.diff(sp.tanh(z), z), 1 - sp.tanh(z), points)
