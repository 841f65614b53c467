"""How large each layer's δ and weight gradients are, epoch by epoch: what shows whether the
error fades (or grows) on its way back to the input.

Per update and layer: mean |δ| over the batch's samples and the layer's units, and mean |∂E/∂w|
over the layer's weights; per epoch: the mean of those numbers over the epoch's updates (batch
training has one update per epoch, stochastic one per sample, minibatch one per batch). The
numbers are taken from the records the training loop makes anyway: a batch-sized array is
reduced during its update (two numpy calls), the small arrays of stochastic and small-minibatch
updates together when their epoch ends (a few numpy calls per layer for all of them), and no
Python loop runs over samples.
"""

from __future__ import annotations

import numpy as np

from .trace import Array, IterationRecord, LayerMagnitudes

_sum = np.add.reduce  # sum of every element (axis=None) without ndarray.sum's Python layer
# arrays of at most this many numbers are kept until their epoch ends and reduced together;
# larger ones at once, so that no batch-sized array outlives its update
KEPT_SIZE = 4096


class MagnitudeMeter:
    """Adds up each update's mean |δ| and mean |∂E/∂w| per layer, and averages them per epoch.

    Small arrays (stochastic training, small minibatches) are kept and reduced together when
    their epoch ends, a few numpy calls for all of them: arrays of one shape together, since
    the mean over all their numbers is then the mean of their means (only an epoch's last
    minibatch may have fewer samples, and is reduced alone). Larger ones are reduced at once
    (two reductions per layer, into a buffer kept for their shape).
    """

    def __init__(self, layers: int) -> None:
        self._epoch: int | None = None
        self._updates = 0
        self._delta_sums = [0.0] * layers  # Σ over the epoch's reduced updates of mean |δ|
        self._gradient_sums = [0.0] * layers
        self._deltas: list[list[Array]] = [[] for _ in range(layers)]  # [layer][kept update]
        self._gradients: list[list[Array]] = [[] for _ in range(layers)]
        self._buffers: dict[tuple[int, ...], Array] = {}
        self._delta_rows: list[list[float]] = []  # [epoch][layer]
        self._gradient_rows: list[list[float]] = []

    def add(self, record: IterationRecord) -> None:
        """Count one update (records arrive in order, epoch by epoch)."""
        if record.epoch != self._epoch:
            self._close()
            self._epoch = record.epoch
        self._updates += 1
        for n, layer in enumerate(record.layers):
            for array, kept, sums in ((layer.dE_dz, self._deltas, self._delta_sums),
                                      (layer.grad_weights, self._gradients,
                                       self._gradient_sums)):
                if array.size <= KEPT_SIZE:
                    kept[n].append(array)
                else:
                    sums[n] += self._mean_abs(array)

    def result(self) -> LayerMagnitudes:
        """Every epoch counted so far, as arrays [epoch, layer]."""
        self._close()
        layers = len(self._deltas)
        return LayerMagnitudes(np.array(self._delta_rows, dtype=float).reshape(-1, layers),
                               np.array(self._gradient_rows, dtype=float).reshape(-1, layers))

    def _mean_abs(self, array: Array) -> float:
        buffer = self._buffers.get(array.shape)
        if buffer is None:
            buffer = self._buffers[array.shape] = np.empty(array.shape)
        return float(_sum(np.abs(array, out=buffer), None)) / array.size

    def _close(self) -> None:
        if not self._updates:
            return
        for sums, arrays, rows in ((self._delta_sums, self._deltas, self._delta_rows),
                                   (self._gradient_sums, self._gradients,
                                    self._gradient_rows)):
            rows.append([(total + _kept_total(kept)) / self._updates
                         for total, kept in zip(sums, arrays, strict=True)])
        self._updates = 0
        self._delta_sums = [0.0] * len(self._delta_sums)
        self._gradient_sums = [0.0] * len(self._gradient_sums)
        for arrays in (*self._deltas, *self._gradients):
            arrays.clear()


def _kept_total(arrays: list[Array]) -> float:
    """The sum over the kept updates of each one's mean |value|: how many there are times the
    mean over all their numbers, the epoch's last (smaller) minibatch apart when it is one
    (training/engine.py batches: only the last batch of an epoch can be smaller)."""
    if not arrays:
        return 0.0
    if arrays[-1].shape == arrays[0].shape:
        return len(arrays) * _mean_abs(arrays)
    return (len(arrays) - 1) * _mean_abs(arrays[:-1]) + _mean_abs(arrays[-1:])


def _mean_abs(arrays: list[Array]) -> float:
    """Mean |value| over every element of arrays of one shape."""
    joined = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    return float(_sum(np.abs(joined), None)) / joined.size
