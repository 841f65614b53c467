"""Settings that say nothing in the mode or optimizer chosen are refused, located, not ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tutor.errors import InputError
from backprop_tutor.scenario.loader import load_scenario

TWO = (Path(__file__).resolve().parent.parent / "scenarios" / "two_neuron.yaml").read_text(
    encoding="utf-8")


@pytest.mark.parametrize(("extra", "where", "expected"), [
    ("batch_size: 2\n", "batch_size", "batch_size is for mode: minibatch; mode batch updates "
                                        "on every sample at once (write mode: minibatch, or "
                                        "remove batch_size)"),
    ("mode: stochastic\nbatch_size: 2\n", "batch_size",
     "batch_size is for mode: minibatch; mode stochastic updates on one sample at a time "
     "(write mode: minibatch, or remove batch_size)"),
    ("optimizer: {name: nesterov, momentum: 0}\n", "optimizer.momentum",
     "nesterov needs a momentum above 0 (with momentum: 0 it is plain gradient descent: write "
     "sgd)"),
])
def test_a_setting_the_scenario_would_ignore_is_refused(tmp_path, extra, where, expected):
    path = tmp_path / "s.yaml"
    path.write_text(TWO.replace("mode: batch\n", "") + extra, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.field == where
    assert str(caught.value).endswith(f": {where}: {expected}")


def test_nesterov_with_momentum_runs():
    from backprop_tutor.scenario import scenario_from_text

    scenario_from_text(TWO + "optimizer: {name: nesterov, momentum: 0.5}\n", "s.yaml")


@pytest.mark.parametrize(("extra", "expected"), [
    ("optimizer: {name: rmsprop, alpha: 0.9}\n",
     "optimizer.alpha: unknown key 'alpha'; this format calls it rho"),
    ("optimizer: {name: adam, betas: [0.9, 0.99]}\n",
     "optimizer.betas: unknown key 'betas'; this format calls it beta1 and beta2"),
    ("optimizer: {name: adam, eps: 0.001}\n",
     "optimizer.eps: unknown key 'eps'; this format calls it epsilon"),
])
def test_torch_spellings_are_translated(tmp_path, extra, expected):
    path = tmp_path / "s.yaml"
    path.write_text(TWO + extra, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value).endswith(expected)
