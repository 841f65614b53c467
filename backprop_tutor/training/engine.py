"""Plan + scenario → numeric trace: vectorised forward and backward passes, no sympy in the loop.

The local derivatives are the ones the derivation shows, compiled once per activation and loss
kind (symbolic/kernel_source.py, network/kernels.py); the loop only multiplies arrays along the
same chain:
δ = ∂E/∂a ⊙ f′(z), ∂E/∂a(below) = δ·W, ∂E/∂W = δᵀ·a(below) / m. A softmax layer replaces the
elementwise product by its Jacobian-vector product, or by a − T when the loss is cross-entropy.
The update is w − η·∂E/∂w, or an optimizer's (training/optimizers.py), whose state travels with
the parameters from one update to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..maths.catalog import canonical
from ..network.kernels import compile_kernel, has_branch, layer_functions, softmax_backward
from ..network.plan import Plan
from ..scenario.schema import Scenario
from ..signals import numpy_random
from .hand_rounding import clean, expanded_layers, hand_terms, rounding_of
from .initial import initial_parameters
from .magnitudes import MagnitudeMeter
from .optimizers import optimizer_of
from .rounding import F_ROUNDINGS, U, gamma, input_error, largest, net_input, output_error, screen
from .stable import stable_loss
from .trace import IterationRecord, LayerRecord, Parameters, State, Trace

# max |f′(z)| and max |f(z)| of activations whose bounds are known; softmax: Σ_j |∂a_i/∂z_j|
# ≤ 2a_i(1 − a_i) ≤ ½ and a ≤ 1
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "sigmoid": (0.25, 1.0), "tanh": (1.0, 1.0), "softmax": (0.5, 1.0), "relu": (1.0, None),
    "linear": (1.0, None), "softplus": (1.0, None)}
_F_GAMMA = gamma(F_ROUNDINGS)


@dataclass(frozen=True)
class RunOptions:
    """What to run and what to keep."""

    epochs: int | None = None  # overrides the scenario's
    detail: int = 1  # iterations kept in full, from the first (the last is always kept)
    # called after every epoch with (epoch, epochs, loss after it); display stays outside
    progress: Callable[[int, int, float], None] | None = None


def batches(scenario: Scenario, order: np.ndarray | None = None) -> list[np.ndarray]:
    """The 0-based sample indices of each update of one epoch: consecutive groups of the
    samples in file order, or in ``order`` (a permutation, when the scenario shuffles)."""
    m = len(scenario.data)
    if order is not None:
        return [order[part] for part in batches(scenario)]
    if scenario.mode == "stochastic":
        size = 1
    elif scenario.mode == "minibatch":
        size = scenario.batch_size or m
    else:
        size = m
    return [np.arange(start, min(start + size, m)) for start in range(0, m, size)]


class Network:
    """The numeric side of a plan: compiled local derivatives and the passes that use them."""

    def __init__(self, plan: Plan, scenario: Scenario) -> None:
        self.activations = [layer_functions(layer.function, layer.derivative)
                            for layer in plan.layers]
        self.coupled = [layer.coupled for layer in plan.layers]
        # whether some activation (relu, leaky relu, abs, max, ...) takes a branch on z: only then
        # is a z that is 0 up to rounding set to exactly 0 (training/rounding.py)
        self.branches = any(has_branch(k) for layer in plan.layers
                            for k in (layer.function, layer.derivative) if k is not None)
        # each activation's max |f′| and max |a|, where known (None: taken from the arrays)
        self._ranges = [_RANGES.get(layer.activation, (None, None)) for layer in plan.layers]
        self._last_forward: tuple | None = None
        self._inputs: tuple = (None, 0.0)  # the last inputs x and their largest |x|
        self._last_losses: tuple | None = None
        self.softmax_cross_entropy = plan.softmax_cross_entropy
        self.loss, self.loss_derivative = (compile_kernel(k) for k in plan.loss)
        # cross-entropy from the logits and with 0·log 0 = 0, where the kernels take log(0)
        output = scenario.layers[-1].activation
        self.output_activation = canonical(output if isinstance(output, str)
                                           else getattr(output, "name", "custom"))
        stable = stable_loss(scenario.loss, self.output_activation)
        self.loss_terms = None if stable is None else stable[0]
        if stable is not None:
            self.loss_derivative = stable[1]
        self.sigmoid_bce = (self.output_activation, scenario.loss) == ("sigmoid",
                                                                      "binary_cross_entropy")
        self.scale = plan.loss_scale
        self.l2 = scenario.l2
        # without weight decay the L2 term is zero every update: one read-only array per layer
        self._no_l2 = tuple(_read_only(np.zeros((len(layer.units), len(layer.units[0].weights))))
                            for layer in plan.layers) if not self.l2 else None
        self.rate = scenario.learning_rate
        self.optimizer = optimizer_of(scenario)  # None: plain gradient descent
        # a batch's E and gradients: the mean over its samples, or their sum (``reduction``)
        self.mean = scenario.reduction == "mean"
        frozen = set(scenario.frozen)
        self.frozen = bool(frozen)
        self.trainable_w = tuple(
            np.array([[w not in frozen for w in u.weights] for u in layer.units])
            for layer in plan.layers
        )
        self.trainable_b = tuple(
            np.array([u.bias not in frozen for u in layer.units]) for layer in plan.layers
        )
        # each layer's bias: "unit" (one per unit), "shared" (one for the layer, whose gradient
        # is the sum of its units' ∂E/∂b) or "none" (held at 0, its gradient 0)
        self.bias_kind = tuple("shared" if layer.shared else "none" if not layer.biases
                               else "unit" for layer in plan.layers)
        # rounding: every value shown rounded before it is used (training/hand_rounding.py)
        self.hand = rounding_of(scenario.rounding)
        self.expanded = expanded_layers([len(layer.units) for layer in plan.layers])

    def forward(self, params: Parameters, x: np.ndarray) -> tuple[list, list]:
        """z and a of every layer, [sample, unit].

        A z that is 0 up to the rounding error of its own terms is exactly 0 (a hand
        calculation's 0.1 + 0.2 − 0.3), so the activation's branch is the one the hand
        calculation takes: training/rounding.py gives the bound and its source.
        """
        return self._forward(params, x)[:2]

    def _forward(self, params: Parameters, x: np.ndarray) -> tuple[list, list, list]:
        # z, a, and the f′(z) of every layer but the last (None where not computed), which the
        # error bound of the next layer needs and the backward pass reuses
        last = self._last_forward
        if last is not None and last[0] is params and last[1] is x:
            return last[2]  # a full batch reuses the pass that gave the epoch's loss
        if self.hand is not None:
            result = self._rounded(params, x)
        elif not self.branches:
            result = self._plain(params, x)
        else:
            result = self._screened(params, x)
            if result is None:  # some z may be 0 up to rounding: decide each one
                result = self._exact(params, x)
        self._last_forward = (params, x, result)
        return result

    def _plain(self, params: Parameters, x: np.ndarray) -> tuple[list, list, list]:
        # no activation has a branch point: whether a z is exactly 0 changes nothing
        zs, acts = [], []
        a = x
        for (f, _), w, b in zip(self.activations, params.weights, params.biases, strict=True):
            z = a @ w.T + b
            a = f(z)
            zs.append(z)
            acts.append(a)
        return zs, acts, [None] * len(zs)

    def _rounded(self, params: Parameters, x: np.ndarray) -> tuple[list, list, list]:
        # by hand: z to its exact digits (a sum of products of written numbers), a rounded
        zs, acts = [], []
        a = x
        for (f, _), w, b in zip(self.activations, params.weights, params.biases, strict=True):
            z = clean(a @ w.T + b)
            a = self.hand(f(z))
            zs.append(z)
            acts.append(a)
        return zs, acts, [None] * len(zs)

    def _screened(self, params: Parameters, x: np.ndarray) -> tuple[list, list, list] | None:
        # one error bound per layer, the largest over the batch: enough to show that no z is
        # 0 up to rounding (the usual case); None as soon as it does not show it
        zs, acts, slopes = [], [], []
        a = x
        if self._inputs[0] is not x:
            self._inputs = (x, largest(x))
        size = self._inputs[1]
        error = U * size
        top = len(self.activations) - 1
        for n, ((f, df), w, b) in enumerate(zip(self.activations, params.weights,
                                                params.biases, strict=True)):
            z = a @ w.T + b
            bound = screen(z, w, b, error, size, last=n == top)
            if bound is None:
                return None
            a = f(z)
            zs.append(z)
            acts.append(a)
            if n == top:
                slopes.append(None)
                break
            steepest, size = self._ranges[n]
            if self.coupled[n]:
                slopes.append(None)
            else:
                slope = df(z, a)
                slopes.append(slope)
                if steepest is None:
                    steepest = largest(slope)
            if size is None:
                size = largest(a)
            error = steepest * bound + _F_GAMMA * size
        return zs, acts, slopes

    def _exact(self, params: Parameters, x: np.ndarray) -> tuple[list, list, list]:
        # the error bound of every z, and every z within it set to 0 (training/rounding.py)
        zs, acts, slopes = [], [], []
        a, error = x, input_error(x)
        top = len(self.activations) - 1
        for n, ((f, df), w, b) in enumerate(zip(self.activations, params.weights,
                                                params.biases, strict=True)):
            z, z_error = net_input(a, error, w, b)
            a = f(z)
            zs.append(z)
            acts.append(a)
            if n == top:
                slopes.append(None)
                break
            if self.coupled[n]:  # Σ_j |∂a_i/∂z_j| ≤ 2a_i(1 − a_i) ≤ ½ for a softmax
                slopes.append(None)
                error = output_error(z_error.max(axis=1, keepdims=True), a, np.float64(0.5))
            else:
                slope = df(z, a)
                slopes.append(slope)
                error = output_error(z_error, a, slope)
        return zs, acts, slopes

    def sample_losses(self, output: np.ndarray, targets: np.ndarray, logits: np.ndarray
                      ) -> np.ndarray:
        """E_s of every sample; a cross-entropy from the output layer's ``logits`` z where
        training/stable.py can, with 0·log 0 = 0 elsewhere."""
        if self.loss_terms is not None:
            losses = self.scale * self.loss_terms(logits, output, targets).sum(axis=1)
        else:
            losses = self.scale * self.loss(output, targets).sum(axis=1)
        return losses if self.hand is None else self.hand(losses)

    def _losses(self, params: Parameters, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        zs, acts = self.forward(params, x)
        last = self._last_losses
        if last is not None and last[0] is acts and last[1] is t:
            return last[2]  # the update of a full batch reuses the epoch loss's E_s
        losses = self.sample_losses(acts[-1], t, zs[-1])
        self._last_losses = (acts, t, losses)
        return losses

    def total_loss(self, params: Parameters, x: np.ndarray, t: np.ndarray) -> float:
        """E over the given samples."""
        return self.reduce(self._losses(params, x, t))

    def reduce(self, losses: np.ndarray) -> float:
        """E of a batch from its E_s: their mean (mean() without its Python overhead) or sum."""
        loss = float(losses.sum() / losses.size) if self.mean else float(losses.sum())
        return loss if self.hand is None else float(self.hand(loss))

    def step(self, params: Parameters, x: np.ndarray, t: np.ndarray, count: int = 1
             ) -> tuple[list[LayerRecord], np.ndarray, Parameters]:
        """One update on a batch, the ``count``-th (1-based): the records of every layer, E_s,
        and the new parameters (with the optimizer's new state)."""
        zs, acts, slopes = self._forward(params, x)
        m = x.shape[0] if self.mean else 1  # what the sum over the batch is divided by
        losses = self._losses(params, x, t)
        dE_da = self.scale * self.loss_derivative(acts[-1], t)
        hand = self.hand
        if hand is not None:
            dE_da = hand(dE_da)
            paths = dE_da  # Σ over paths of the product of rounded factors, not rounded
        records: list[LayerRecord] = []
        new_w, new_b, new_state = [], [], []
        for n in reversed(range(len(zs))):
            w, b = params.weights[n], params.biases[n]
            below = acts[n - 1] if n > 0 else x
            da_dz = slopes[n] if slopes[n] is not None else self.activations[n][1](zs[n],
                                                                                 acts[n])
            if self.coupled[n] and n == len(zs) - 1 and self.softmax_cross_entropy:
                delta = acts[n] - t  # the derivation's simplified ∂E/∂z = a − T
            elif self.coupled[n]:
                delta = softmax_backward(acts[n], dE_da)
            else:
                delta = dE_da * da_dz
                if self.sigmoid_bce and n == len(zs) - 1:
                    # ∞·0 where the output rounds to 0 or 1: the product's limit is a − T
                    delta = np.where(np.isfinite(delta), delta, acts[n] - t)
            terms = None
            if hand is None:
                grad_w = delta.T @ below / m
                grad_b = delta.sum(axis=0) / m  # what mean() computes, without its overhead
            else:  # each sample's term as its formula shows it, then their mean
                da_dz = hand(da_dz)
                product = dE_da * da_dz
                if self.sigmoid_bce and n == len(zs) - 1:  # as above, where a rounds to 0 or 1
                    product = np.where(np.isfinite(product), product, acts[n] - t)
                delta = hand(product)
                paths = paths * da_dz
                terms = hand_terms(hand, paths if self.expanded[n] else delta, below, delta,
                                   self.bias_kind[n])
                grad_w, grad_b = terms[0].sum(axis=0) / m, terms[1].sum(axis=0) / m
            if self._no_l2 is None:
                l2_term = self.l2 * w
                grad_w += l2_term
            else:
                l2_term = self._no_l2[n]
            if self.bias_kind[n] == "shared" and hand is None:  # every unit's z holds the bias
                grad_b = np.full_like(grad_b, grad_b.sum())
            elif self.bias_kind[n] == "none":
                grad_b = np.zeros_like(grad_b)
            if hand is not None:
                grad_w, grad_b = hand(grad_w), hand(grad_b)
            state = state_after = None
            if self.optimizer is None:
                w_after = w - self.rate * grad_w
                b_after = b - self.rate * grad_b
                if hand is not None:
                    w_after, b_after = hand(w_after), hand(b_after)
                if self.frozen:
                    w_after = np.where(self.trainable_w[n], w_after, w)
                    b_after = np.where(self.trainable_b[n], b_after, b)
            else:  # scenario/course_checks.py: never with rounding
                state = params.state[n]
                keep_w, keep_b = ((self.trainable_w[n], self.trainable_b[n]) if self.frozen
                                  else (None, None))
                w_after, sw = self.optimizer.step(w, grad_w, state.weights, count, keep_w)
                b_after, sb = self.optimizer.step(b, grad_b, state.biases, count, keep_b)
                state_after = State(sw, sb)
                new_state.append(state_after)
            records.append(LayerRecord(zs[n], acts[n], da_dz, dE_da, delta, w, b, grad_w,
                                       grad_b, l2_term, w_after, b_after,
                                       *(terms or (None, None)), state, state_after))
            new_w.append(w_after)
            new_b.append(b_after)
            if n:  # ∂E_s/∂a of the layer below, through every unit of this one
                dE_da = delta @ w
                if hand is not None:
                    dE_da, paths = hand(dE_da), paths @ w
        records.reverse()
        new_params = Parameters(tuple(reversed(new_w)), tuple(reversed(new_b)),
                                tuple(reversed(new_state)) if new_state else None)
        return records, losses, new_params


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def with_state(net: Network, params: Parameters) -> Parameters:
    """The parameters with their optimizer's state before the first update (all 0), or as
    they are for plain gradient descent."""
    if net.optimizer is None:
        return params
    zeros = net.optimizer.zeros
    return Parameters(params.weights, params.biases, tuple(
        State(zeros(w.shape), zeros(b.shape)) for w, b in zip(params.weights, params.biases,
                                                              strict=True)))


def _carried(state: State, names: tuple[str, ...]) -> State:
    # what the next update reads: the state kept, without what a step derives from it
    return State({k: state.weights[k] for k in names}, {k: state.biases[k] for k in names})


def _finite(params: Parameters) -> bool:
    return all(np.isfinite(w).all() for w in params.weights) and all(
        np.isfinite(b).all() for b in params.biases
    )


def data_arrays(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Inputs [sample, input] and targets [sample, output] of the scenario's data."""
    x = np.array([s.inputs for s in scenario.data], dtype=float)
    t = np.array([s.targets for s in scenario.data], dtype=float)
    return x, t


def iterate(plan: Plan, scenario: Scenario, options: RunOptions = RunOptions()) -> Trace:
    """Train as the scenario says and return the trace."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        return _train(plan, scenario, options)


def _train(plan: Plan, scenario: Scenario, options: RunOptions) -> Trace:
    net = Network(plan, scenario)
    x, t = data_arrays(scenario)
    epochs = options.epochs or scenario.epochs
    # each batch's 1-based sample numbers and arrays, made once; the whole data set keeps its
    # own arrays, so that forward() can reuse the pass that gave the epoch's loss
    def planned(order: np.ndarray | None) -> list:
        return [(tuple((index + 1).tolist()), *((x, t) if len(index) == len(x) and order is None
                                                else (x[index], t[index])))
                for index in batches(scenario, order)]

    plan = planned(None)
    # shuffle: epoch e's order is the e-th permutation drawn from default_rng(shuffle_seed)
    shuffler = numpy_random().default_rng(scenario.shuffle_seed) if scenario.shuffle else None
    initial = params = with_state(net, initial_parameters(scenario))
    kept: list[IterationRecord] = []
    last: IterationRecord | None = None
    history: list[float] = []
    running: list[float] = []
    meter = MagnitudeMeter(len(net.activations))  # mean |δ| and |∂E/∂w| per epoch and layer
    count = 0
    stop = "epochs"
    epoch_loss = net.total_loss(params, x, t)
    epochs_run = 0
    for epoch in range(1, epochs + 1):
        if epoch > 1 and scenario.tolerance is not None and epoch_loss < scenario.tolerance:
            stop = "tolerance"
            break
        history.append(epoch_loss)
        if shuffler is not None:
            plan = planned(shuffler.permutation(len(x)))
        seen: list[float] = []  # the loss each update of the epoch saw
        for record in _epoch(net, params, x, t, plan, epoch, count):
            count += 1
            seen.append(record.loss)
            meter.add(record)
            last = record
            if count <= options.detail:
                kept.append(record)
            params = Parameters(
                tuple(layer.weights_after for layer in record.layers),
                tuple(layer.biases_after for layer in record.layers),
                None if net.optimizer is None else tuple(
                    _carried(layer.state_after, net.optimizer.state) for layer in record.layers),
            )
            if not (_finite(params) and np.isfinite(record.loss)):
                stop = "diverged"
                break
        epochs_run = epoch
        mean = sum(seen) / len(seen)
        running.append(mean if net.hand is None else float(net.hand(mean)))
        if stop == "diverged":
            break
        epoch_loss = net.total_loss(params, x, t)
        if options.progress is not None:
            options.progress(epoch, epochs, epoch_loss)
    if last is not None and (not kept or kept[-1] is not last):
        kept.append(last)
    final_loss = epoch_loss if stop != "diverged" else net.total_loss(params, x, t)
    if stop == "epochs" and scenario.tolerance is not None and final_loss < scenario.tolerance:
        stop = "tolerance"
    if stop != "diverged" and not np.isfinite(final_loss):
        stop = "diverged"
    return Trace(initial, tuple(kept), count, tuple(history), params, final_loss,
                 epochs_run, stop, tuple(running), magnitudes=meter.result())


def _epoch(net: Network, params: Parameters, x: np.ndarray, t: np.ndarray,
           plan: list[tuple[tuple[int, ...], np.ndarray, np.ndarray]], epoch: int, done: int
           ) -> Iterator[IterationRecord]:
    for n, (samples, xb, tb) in enumerate(plan, start=done + 1):
        layers, losses, params = net.step(params, xb, tb, n)
        yield IterationRecord(
            iteration=n,
            epoch=epoch,
            samples=samples,
            inputs=xb,
            targets=tb,
            layers=tuple(layers),
            sample_losses=losses,
            loss=net.reduce(losses),
        )
