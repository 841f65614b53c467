"""How large each layer's δ and weight gradients are, epoch by epoch: what shows whether the
error fades (or grows) on its way back to the input.

Per update and layer: mean |δ| over the batch's samples and the layer's units, and mean |∂E/∂w|
over the layer's weights; per epoch: the mean of those numbers over the epoch's updates (batch
training has one update per epoch, stochastic one per sample, minibatch one per batch). The
numbers are taken from the records the training loop makes anyway: a batch-sized array is
reduced during its update (two numpy calls), small arrays (every layer's of a small batch, all
of an epoch of stochastic updates) together (a handful of numpy calls for all of them), and no
Python loop runs over samples.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np

from .trace import Array, IterationRecord, LayerMagnitudes

_sum = np.add.reduce  # sum of every element (axis=None) without ndarray.sum's Python layer
# arrays of at most this many numbers are kept and reduced together, a few numpy calls for
# many arrays (what a small array costs is numpy's fixed cost per call, not its numbers);
# larger ones at once, into a buffer, so that no batch-sized array outlives its update
KEPT_SIZE = 4096
KEPT_ARRAYS = 4096  # kept arrays reduced together at the latest


class MagnitudeMeter:
    """Adds up each update's mean |δ| and mean |∂E/∂w| per layer, and averages them per epoch."""

    def __init__(self, layers: int) -> None:
        self._layers = layers
        self._epoch: int | None = None
        self._updates = 0
        # per slot (δ of layers 1..L, then ∂E/∂w of layers 1..L): Σ of the updates' means
        self._totals = [0.0] * (2 * layers)
        self._kept: list[Array] = []  # small arrays not yet reduced, and the slot of each
        self._slots: list[int] = []
        self._buffers: dict[tuple[int, ...], Array] = {}
        self._rows: list[list[float]] = []  # [epoch][slot] the epoch's mean

    def add(self, record: IterationRecord) -> None:
        """Count one update (records arrive in order, epoch by epoch)."""
        if record.epoch != self._epoch:
            self._close()
            self._epoch = record.epoch
        self._updates += 1
        kept, slots, totals, layers = self._kept, self._slots, self._totals, self._layers
        for n, layer in enumerate(record.layers):
            delta, gradient = layer.dE_dz, layer.grad_weights
            if delta.size <= KEPT_SIZE:
                kept.append(delta)
                slots.append(n)
            else:
                totals[n] += self._mean_abs(delta)
            if gradient.size <= KEPT_SIZE:
                kept.append(gradient)
                slots.append(layers + n)
            else:
                totals[layers + n] += self._mean_abs(gradient)
        if len(kept) >= KEPT_ARRAYS:
            self._reduce_kept()

    def result(self) -> LayerMagnitudes:
        """Every epoch counted so far, as arrays [epoch, layer]."""
        self._close()
        rows = np.array(self._rows, dtype=float).reshape(-1, 2 * self._layers)
        return LayerMagnitudes(rows[:, :self._layers].copy(), rows[:, self._layers:].copy())

    def _mean_abs(self, array: Array) -> float:
        buffer = self._buffers.get(array.shape)
        if buffer is None:
            buffer = self._buffers[array.shape] = np.empty(array.shape)
        return float(_sum(np.abs(array, out=buffer), None)) / array.size

    def _reduce_kept(self) -> None:
        """Each kept array's mean |value|, added to its slot: one concatenation, one absolute
        value and one segmented sum for all of them."""
        kept = self._kept
        if not kept:
            return
        sizes = [a.size for a in kept]
        starts = list(accumulate(sizes[:-1], initial=0))
        flat = np.concatenate([a.reshape(-1) for a in kept])
        sums = np.add.reduceat(np.abs(flat, out=flat), starts).tolist()
        totals = self._totals
        for slot, total, size in zip(self._slots, sums, sizes, strict=True):
            totals[slot] += total / size
        self._kept, self._slots = [], []

    def _close(self) -> None:
        if not self._updates:
            return
        self._reduce_kept()
        self._rows.append([total / self._updates for total in self._totals])
        self._updates = 0
        self._totals = [0.0] * (2 * self._layers)
