"""Why a run ended badly, in words: a diverged training, or log(0) in a cross-entropy loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .run import Run

_CROSS_ENTROPIES = ("binary_cross_entropy", "cross_entropy")


def divergence_message(run: Run) -> str | None:
    """What went wrong when the run's stop_reason is ``diverged``; None otherwise.

    It says what became infinite or NaN (the loss before an update, or a parameter after it),
    and blames the learning rate only when updates were made: the loss of iteration 1 is that
    of the initial parameters, which no learning rate has touched yet."""
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
    rate = run.scenario.learning_rate
    lower = f"the learning rate {rate:g} is probably too high: try {rate / 10:g}"
    if not np.isfinite(record.loss):
        kind = _kind(record.loss)
        if record.iteration == 1:
            return (f"the loss is {kind} {where}, before any update, so the learning rate "
                    f"plays no part: {_overflow(run)}; {stopped}. Smaller initial weights or "
                    "inputs keep the values finite")
        return (f"the loss became {kind} {where}, after {record.iteration - 1} updates: "
                f"{stopped}. Each update overshot further; {lower}")
    name, value = _first_non_finite(run)
    return (f"the update of iteration {record.iteration} (epoch {record.epoch}) made "
            f"{name} {_kind(value)}, while the loss before it was still finite "
            f"({record.loss:.6g}): {stopped}. The step η·∂E/∂p overshot; {lower}")


def _kind(value: float) -> str:
    if np.isnan(value):
        return "NaN"
    return "infinite" if value > 0 else "−infinite"


def _overflow(run: Run) -> str:
    """Which value of iteration 1 first overflowed: an output, or the loss itself."""
    record = run.trace.iterations[-1]
    a, z = record.layers[-1].a, record.layers[-1].z
    for s, sample in enumerate(record.samples):
        for k, unit in enumerate(run.plan.outputs):
            if not np.isfinite(a[s, k]):
                return (f"the output {unit.out} of sample {sample} is {_kind(a[s, k])} "
                        f"(z = {z[s, k]:.6g})")
    largest = float(np.max(np.abs(a))) if a.size else 0.0
    return (f"the outputs are finite (the largest is {largest:.6g} in size) but the loss "
            "overflowed floating point")


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


def _first_non_finite(run: Run) -> tuple[str, float]:
    for name, value in run.final_parameters.items():
        if not np.isfinite(value):
            return f"the parameter {name}", value
    return "a parameter", float("nan")
