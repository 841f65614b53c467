"""Why a run ended badly, in words: a diverged training, or log(0) in a cross-entropy loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .run import Run

_CROSS_ENTROPIES = ("binary_cross_entropy", "cross_entropy")


def divergence_message(run: Run) -> str | None:
    """What went wrong when the run's stop_reason is ``diverged``; None otherwise."""
    trace = run.trace
    if trace.stop_reason != "diverged" or not trace.iterations:
        return None
    record = trace.iterations[-1]
    where = f"at iteration {record.iteration} (epoch {record.epoch})"
    stopped = "training stopped there (stop_reason: diverged)"
    log_zero = _log_of_zero(run)
    if log_zero is not None:
        return (f"the loss is infinite or NaN {where}: {log_zero}; {stopped}. Smaller "
                "initial weights, inputs or learning rate keep the outputs inside (0, 1)")
    what = "the loss" if not np.isfinite(record.loss) else _first_non_finite(run)
    rate = run.scenario.learning_rate
    return (f"{what} became infinite or NaN {where}: {stopped}. Each update overshot further; "
            f"the learning rate {rate:g} is probably too high: try {rate / 10:g}")


def _log_of_zero(run: Run) -> str | None:
    """Which output of which sample made a cross-entropy take log(0), if one did."""
    loss = run.plan.loss_name
    if loss not in _CROSS_ENTROPIES:
        return None
    record = run.trace.iterations[-1]
    a = record.layers[-1].a
    z = record.layers[-1].z
    targets = record.targets
    for s, sample in enumerate(record.samples):
        for k, unit in enumerate(run.plan.outputs):
            value, target = a[s, k], targets[s, k]
            if value == 0.0 and (target != 0.0 or loss == "binary_cross_entropy"):
                term = f"log({unit.out})"
            elif value == 1.0 and loss == "binary_cross_entropy":
                term = f"log(1 − {unit.out})"
            else:
                continue
            return (f"{loss} takes {term} and the output {unit.out} of sample {sample} "
                    f"is exactly {value:g} (z = {z[s, k]:.6g}: in floating point the output "
                    f"rounds to {value:g}), so the loss takes log(0)")
    return None


def _first_non_finite(run: Run) -> str:
    for name, value in run.final_parameters.items():
        if not np.isfinite(value):
            return f"the parameter {name}"
    return "a parameter"
