"""``shuffle: true``: a new sample order every epoch, drawn from ``shuffle_seed``; and the running
loss of an epoch (the mean of the losses its updates saw) beside the loss before it.

Checked against the closed-form oracle, which replays the format's definition of the order (the
e-th permutation of numpy's default_rng(shuffle_seed)) on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_errors import message
from test_oracle import check_against_oracle
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.scenario.loader import scenario_from_text

EXAMPLES = Path(__file__).resolve().parent.parent / "backprop_tutor" / "examples"
SHUFFLED = EXAMPLES / "shuffled.yaml"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_order_is_the_seeds_permutation_each_epoch() -> None:
    scenario = api.load(SHUFFLED)
    run = api.run(scenario, detail=10**6)
    rng = np.random.default_rng(scenario.shuffle_seed)
    m = len(scenario.data)
    expected = [tuple(int(i) + 1 for i in rng.permutation(m)) for _ in range(scenario.epochs)]
    seen = [tuple(s for r in run.trace.iterations if r.epoch == e for s in r.samples)
            for e in range(1, scenario.epochs + 1)]
    assert seen == expected
    assert len(set(seen)) > 1  # the order changes from epoch to epoch
    # the same seed, the same run
    again = api.run(scenario, detail=10**6)
    assert [r.samples for r in again.trace.iterations] == [r.samples for r in run.trace.iterations]
    assert again.trace.final_loss == run.trace.final_loss


@pytest.mark.parametrize("extra", [
    "", "mode: minibatch\nbatch_size: 2\n", "mode: minibatch\nbatch_size: 2\nreduction: sum\n"])
def test_shuffled_training_agrees_with_the_oracle(extra: str) -> None:
    text = SHUFFLED.read_text().replace("mode: stochastic\n", "")
    scenario = scenario_from_text(text + (extra or "mode: stochastic\n"))
    check_against_oracle(scenario)


def test_running_loss_is_the_mean_of_the_losses_the_updates_saw() -> None:
    run = api.run(api.load(EXAMPLES / "stochastic.yaml"), detail=10**6)
    for epoch, running in enumerate(run.trace.running, start=1):
        losses = [r.loss for r in run.trace.iterations if r.epoch == epoch]
        assert running == pytest.approx(np.mean(losses), rel=1e-15)
    assert run.trace.running[0] != run.trace.history[0]  # it is not the loss before the epoch
    batch = api.run(api.load(EXAMPLES / "xor.yaml"), epochs=3)
    assert batch.trace.running == batch.trace.history  # one update per epoch: the same


def test_terminal_and_json_say_the_order_and_the_running_loss(tmp_path: Path) -> None:
    terminal = invoke("run", str(SHUFFLED), "--no-color", "--width", "120").output
    assert "samples reshuffled every epoch (shuffle_seed 3)" in terminal
    assert "in this epoch's shuffled order" in terminal
    assert "mean loss of its updates" in terminal
    document = json.loads(invoke("run", str(SHUFFLED), "--json", "--iterations", "6").output)
    run = api.run(api.load(SHUFFLED), detail=6)
    assert [it["sample_indices"] for it in document["iterations"]] == [
        list(r.samples) for r in run.trace.iterations]
    assert document["running"] == pytest.approx(list(run.trace.running), rel=1e-15)
    assert document["scenario"]["shuffle"] is True
    assert document["scenario"]["shuffle_seed"] == 3
    summary = invoke("validate", str(SHUFFLED), "--width", "140").output
    assert "samples reshuffled every epoch (shuffle_seed 3)" in summary
    assert invoke("variants", str(SHUFFLED), "--count", "1", "-o", str(tmp_path / "v")
                  ).exit_code == 0
    variant = next(p for p in (tmp_path / "v").glob("*.yaml") if ".sheet" not in p.name)
    assert api.load(variant).shuffle and api.load(variant).shuffle_seed == 3


def test_shuffle_errors_are_one_located_line() -> None:
    text = SHUFFLED.read_text()
    assert message(text.replace("mode: stochastic", "mode: batch")).endswith(
        "shuffle: shuffle needs mode stochastic or minibatch; a batch of every sample has no "
        "order to shuffle")
    assert message(text.replace("shuffle_seed: 3", "shuffle_seed: -1")).endswith(
        "shuffle_seed: expected 0 or more; got -1")
    assert message(text.replace("shuffle: true", "shuffle: yes please")).endswith(
        "shuffle: expected true or false; got the text 'yes please'")
