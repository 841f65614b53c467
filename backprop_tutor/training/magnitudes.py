"""How large each layer's δ and weight gradients are, epoch by epoch: what shows whether the
error fades (or grows) on its way back to the input.

Per update and layer: mean |δ| over the batch's samples and the layer's units, and mean |∂E/∂w|
over the layer's weights; per epoch: the mean of those numbers over the epoch's updates (batch
training has one update per epoch, stochastic one per sample, minibatch one per batch). The
numbers are taken from the records the training loop makes anyway and reduced once per epoch:
a few numpy calls per layer and epoch, however many updates the epoch has, and no Python loop
over samples.
"""

from __future__ import annotations

import numpy as np

from .trace import Array, IterationRecord, LayerMagnitudes

_sum = np.add.reduce  # sum of every element (axis=None) without ndarray.sum's Python layer


class MagnitudeMeter:
    """Collects each update's δ and ∂E/∂w arrays and reduces them once per epoch."""

    def __init__(self, layers: int) -> None:
        self._epoch: int | None = None
        self._deltas: list[list[Array]] = [[] for _ in range(layers)]  # [layer][update]
        self._gradients: list[list[Array]] = [[] for _ in range(layers)]
        self._delta_rows: list[list[float]] = []  # [epoch][layer]
        self._gradient_rows: list[list[float]] = []

    def add(self, record: IterationRecord) -> None:
        """Count one update (records arrive in order, epoch by epoch)."""
        if record.epoch != self._epoch:
            self._close()
            self._epoch = record.epoch
        for deltas, gradients, layer in zip(self._deltas, self._gradients, record.layers,
                                            strict=True):
            deltas.append(layer.dE_dz)
            gradients.append(layer.grad_weights)

    def result(self) -> LayerMagnitudes:
        """Every epoch counted so far, as arrays [epoch, layer]."""
        self._close()
        layers = len(self._deltas)
        return LayerMagnitudes(np.array(self._delta_rows, dtype=float).reshape(-1, layers),
                               np.array(self._gradient_rows, dtype=float).reshape(-1, layers))

    def _close(self) -> None:
        if not self._deltas or not self._deltas[0]:
            return
        updates = len(self._deltas[0])
        # every update's ∂E/∂w has the layer's shape, so the mean of the updates' means is the
        # mean over all of them; so is δ's when every batch has as many samples (stochastic,
        # batch), else the last (smaller) minibatch is weighed as one update
        batch = self._deltas[0][0].shape[0]
        last = self._deltas[0][-1].shape[0]
        self._gradient_rows.append([_mean_abs(g) for g in self._gradients])
        if last == batch:
            self._delta_rows.append([_mean_abs(d) for d in self._deltas])
        else:
            self._delta_rows.append([(_mean_abs(d[:-1]) * (updates - 1) + _mean_abs(d[-1:]))
                                     / updates for d in self._deltas])
        for arrays in (*self._deltas, *self._gradients):
            arrays.clear()


def _mean_abs(arrays: list[Array]) -> float:
    """Mean |value| over every element of arrays that share their shape but the first axis."""
    joined = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    return float(_sum(np.abs(joined), None)) / joined.size
