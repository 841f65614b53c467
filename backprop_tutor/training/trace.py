"""The numeric trace of a run: plain data, no maths and no display.

Arrays are indexed [sample, unit] (or [unit, input] for weights); samples are those of the
iteration's batch, in file order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class State:
    """An optimizer's state of one layer's parameters (training/optimizers.py): name (``v``,
    ``m``; after a step also what it derives, ``mhat``, ``vhat``) → array."""

    weights: dict[str, Array]  # [unit, input]
    biases: dict[str, Array]  # [unit]


@dataclass(frozen=True)
class LayerRecord:
    """Everything one iteration computed for one layer."""

    z: Array  # [sample, unit]
    a: Array  # [sample, unit]
    da_dz: Array  # [sample, unit]  f′(z)
    dE_da: Array  # [sample, unit]  ∂E_s/∂a (per sample, before the mean over the batch)
    dE_dz: Array  # [sample, unit]  δ
    weights: Array  # [unit, input]  before the update
    biases: Array  # [unit]
    grad_weights: Array  # [unit, input]  mean over the batch, plus the L2 term
    grad_biases: Array  # [unit]
    l2_weights: Array  # [unit, input]  the L2 term λ·w of the gradient (zeros without l2)
    weights_after: Array
    biases_after: Array
    # a run rounded by hand (training/hand_rounding.py): each sample's term of every gradient
    # as written, [sample, unit, input] and [sample, unit]; None when exact (the term is δ·a)
    weight_terms: Array | None = None
    bias_terms: Array | None = None
    # an optimizer's state before and after the update (None: plain gradient descent)
    state: State | None = None
    state_after: State | None = None


@dataclass(frozen=True)
class IterationRecord:
    """One update: forward pass, loss, backward pass and new parameters."""

    iteration: int  # 1-based
    epoch: int  # 1-based
    samples: tuple[int, ...]  # 1-based indices into the scenario's data
    inputs: Array  # [sample, input]
    targets: Array  # [sample, output]
    layers: tuple[LayerRecord, ...]
    sample_losses: Array  # [sample]
    loss: float  # mean of sample_losses: the batch's loss before the update


@dataclass(frozen=True)
class Parameters:
    """The weights and biases of every layer."""

    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    state: tuple[State, ...] | None = None  # an optimizer's state of each layer


@dataclass(frozen=True)
class LayerMagnitudes:
    """How large each layer's backpropagated error δ and weight gradients were, epoch by epoch
    (training/magnitudes.py computes them; docs/course-maths.md gives the definitions).

    Each number is a mean absolute value over the layer: |δ| over the samples of an update's
    batch and the layer's units, |∂E/∂w| over the layer's weights (the gradient the update
    uses, with weight decay's λ·w where the scenario has l2); an epoch's number is the mean of
    its updates' numbers (one update for batch training).
    """

    delta: Array  # [epoch, layer]  mean |δ|
    weight_gradients: Array  # [epoch, layer]  mean |∂E/∂w|


@dataclass(frozen=True)
class Trace:
    """A whole run: the iterations kept in full, the loss of every epoch, the outcome."""

    initial: Parameters
    iterations: tuple[IterationRecord, ...]
    iteration_count: int
    history: tuple[float, ...]  # loss over all samples before each epoch's updates
    final: Parameters
    final_loss: float  # over all samples, after the last update
    epochs_run: int
    stop_reason: str  # epochs | tolerance | diverged
    # per epoch run: the mean of the losses its updates saw (each batch's E before its update);
    # for a full batch, the same number as ``history``
    running: tuple[float, ...] = ()
    # per epoch run and per layer: the mean |δ| and mean |∂E/∂w| (None: not measured)
    magnitudes: LayerMagnitudes | None = None
