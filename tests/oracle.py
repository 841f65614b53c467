"""An independent oracle: a scenario's whole loss as one closed-form sympy expression.

Built straight from the validated Scenario with its own definitions of every activation and loss
(it does not use the tool's graph, derivation, maths or engine) and differentiated by sympy with
respect to every parameter at once: no chain rule, no paths, no δ. Training is replayed with the
same plan of batches the scenario describes, so every iteration's gradients and updated
parameters can be compared with the engine's.

The closed form is evaluated in IEEE double arithmetic, as the scenario format computes: an
overflow or a division by zero gives ∞ or NaN (not an exception), and training stops at the
update where the loss or a parameter becomes ∞ or NaN (stop reason ``diverged``), as the format
defines (docs/errors.md, "Diverged training").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from backprop_tutor.scenario.schema import CustomActivation, NamedActivation, Scenario

# The custom formulas the tests use, written here as sympy directly (not parsed from text).
CUSTOM = {
    "z/(1 + abs(z))": lambda z: z / (1 + sp.Abs(z)),
    "z*sigmoid(z)": lambda z: z / (1 + sp.exp(-z)),
    "log(1 + z**2) + 0.5*z": lambda z: sp.log(1 + z**2) + sp.Rational(1, 2) * z,
}


# The functions of the compiled closed form, on float64 scalars: ∞ and NaN instead of exceptions
IEEE_FUNCTIONS = {"exp": np.exp, "log": np.log, "tanh": np.tanh}


def _sigmoid(z):
    return 1 / (1 + sp.exp(-z))


def _elementwise(name: str, alpha: float | None):
    if name == "sigmoid":
        return _sigmoid
    if name == "tanh":
        return sp.tanh
    if name in ("linear", "identity"):
        return lambda z: z
    if name == "relu":
        # the derivative at 0 is 0 (PyTorch's convention): the branch z > 0 is strict
        return lambda z: sp.Piecewise((z, z > 0), (0, True))
    if name == "leaky_relu":
        slope = sp.Float(0.01 if alpha is None else alpha)
        return lambda z: sp.Piecewise((z, z > 0), (slope * z, True))
    if name == "softplus":
        return lambda z: sp.log(1 + sp.exp(z))
    raise KeyError(name)


def layer_function(spec):
    """The outputs of a layer as a function of the list of its net inputs."""
    if isinstance(spec, CustomActivation):
        f = CUSTOM[spec.expression]
        return lambda zs: [f(z) for z in zs]
    name, alpha = (spec, None) if isinstance(spec, str) else (spec.name, spec.alpha)
    assert isinstance(spec, (str, NamedActivation))
    if name == "softmax":
        return lambda zs: [sp.exp(z) / sp.Add(*(sp.exp(y) for y in zs)) for z in zs]
    f = _elementwise(name, alpha)
    return lambda zs: [f(z) for z in zs]


def sample_loss(loss: str, outputs: list, targets: list) -> sp.Expr:
    """The loss of one sample, exactly as the scenario format defines it."""
    K = len(outputs)
    pairs = list(zip(outputs, targets, strict=True))
    if loss == "half_squared_error":
        return sp.Rational(1, 2) * sum((t - a) ** 2 for a, t in pairs)
    if loss == "squared_error":
        return sum((t - a) ** 2 for a, t in pairs)
    if loss == "mse":
        return sp.Rational(1, K) * sum((t - a) ** 2 for a, t in pairs)
    if loss == "binary_cross_entropy":
        return -sum(t * sp.log(a) + (1 - t) * sp.log(1 - a) for a, t in pairs)
    if loss == "cross_entropy":
        return -sum(t * sp.log(a) for a, t in pairs)
    raise KeyError(loss)


@dataclass
class Step:
    """One update as the oracle computes it."""

    samples: tuple[int, ...]  # 1-based
    loss: float  # data loss of the batch before the update (no L2 term)
    gradients: list[np.ndarray]  # per layer: [unit, input + 1], the bias last
    after: list[np.ndarray]


class Oracle:
    """The closed-form loss of a scenario and the training it describes."""

    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.shapes = []
        fan_in = scenario.input_count
        for layer in scenario.layers:
            self.shapes.append((layer.units, fan_in))
            fan_in = layer.units
        # [layer][unit][input or bias]: each unit's weights, then its bias
        self.symbols = [
            [[sp.Symbol(f"p_{k}_{j}_{i}", real=True) for i in range(n_in + 1)]
             for j in range(units)]
            for k, (units, n_in) in enumerate(self.shapes)
        ]
        self.flat = [p for layer in self.symbols for unit in layer for p in unit]
        self.frozen = self._frozen_mask()

    def _frozen_mask(self) -> list[np.ndarray]:
        # the default names of the scenario format: the oracle does not ask the tool for them
        from backprop_tutor.scenario.names import network_names

        names = network_names(self.s)
        frozen = set(self.s.frozen)
        return [np.array([[w in frozen for w in ws] + [b in frozen]
                          for ws, b in zip(layer.weights, layer.unit_biases, strict=True)])
                for layer in names.layers]

    def _bias(self, k: int, j: int):
        # the bias in unit j's z of layer k, as the format defines ``bias:``: the unit's own
        # (true), the first unit's symbol standing for the layer's one bias (shared), none (false)
        mode = self.s.layers[k].bias
        if mode is False:
            return sp.Integer(0)
        return self.symbols[k][0 if mode == "shared" else j][-1]

    def forward(self, x: list) -> list:
        """The network's outputs for inputs ``x`` (numbers or symbols), in closed form."""
        return self.layers(x)[-1][1]

    def layers(self, x: list) -> list[tuple[list, list]]:
        """(z, a) of every layer for inputs ``x``, each unit's in closed form: the whole
        expression of the inputs and parameters, no node named."""
        a = list(x)
        out = []
        for k, (spec, layer) in enumerate(zip(self.s.layers, self.symbols, strict=True)):
            zs = [sp.Add(*(w * v for w, v in zip(unit[:-1], a, strict=True)), self._bias(k, j))
                  for j, unit in enumerate(layer)]
            a = layer_function(spec.activation)(zs)
            out.append((zs, a))
        return out

    @cached_property
    def _samples(self) -> tuple[np.ndarray, np.ndarray]:
        x = np.array([d.inputs for d in self.s.data], dtype=float)
        t = np.array([d.targets for d in self.s.data], dtype=float)
        return x, t

    @cached_property
    def _compiled(self):
        # One expression for the whole network: the loss of a symbolic sample plus the L2 term,
        # E_s(θ; x, T) + (λ/2)Σw². The loss of a batch is its mean over the batch's samples (or
        # their sum, reduction: sum), so its gradient is the mean (sum) of this expression's
        # gradients, evaluated for every sample (a sum then holds the L2 term m times: see
        # evaluate, which keeps it once).
        n_in, n_out = self.s.input_count, self.s.layers[-1].units
        xs = [sp.Symbol(f"x_{i}", real=True) for i in range(n_in)]
        ts = [sp.Symbol(f"t_{k}", real=True) for k in range(n_out)]
        data = sample_loss(self.s.loss, self.forward(xs), ts)
        weights = [p for layer in self.symbols for unit in layer for p in unit[:-1]]
        total = data + sp.nsimplify(self.s.l2) / 2 * sp.Add(*(w**2 for w in weights))
        grads = [sp.diff(total, p) for p in self.flat]
        # scalar Python code, one sample at a time: numpy's select cannot evaluate the nested
        # conditions sympy writes for the derivative of a piecewise function of a piecewise one.
        # The functions are NumPy's on float64 scalars, so that an overflow or a log(0) gives ∞
        # or NaN as in the format's arithmetic, where the math module would raise. No implemented
        # functions (use_imps=False): looking for them walks the whole tree, shared subtrees and
        # all, which took a third of the compile time
        return sp.lambdify([*self.flat, *xs, *ts], [data, *grads],
                           modules=[IEEE_FUNCTIONS, "math"], cse=True, use_imps=False)

    def evaluate(self, params: list[np.ndarray], index: np.ndarray
                 ) -> tuple[float, list[np.ndarray]]:
        """Data loss and gradients of the whole loss at ``params`` on the samples ``index``."""
        x, t = self._samples
        flat = [np.float64(v) for p in params for v in p.ravel()]
        # ∞ and NaN are values here, as in the format's arithmetic (only in this evaluation)
        with np.errstate(all="ignore"):
            per_sample = [self._compiled(*flat, *x[s], *t[s]) for s in index]
        # the batch's loss and gradients: the mean over its samples, or (reduction: sum) the sum
        reduce = np.sum if self.s.reduction == "sum" else np.mean
        values = [float(reduce(column)) for column in zip(*per_sample, strict=True)]
        grads, at = [], 1
        for spec, (units, n_in), p in zip(self.s.layers, self.shapes, params, strict=True):
            size = units * (n_in + 1)
            grad = np.array(values[at:at + size]).reshape(units, n_in + 1)
            if self.s.reduction == "sum" and self.s.l2:  # E = Σ_s E_s + (λ/2)Σw²: λw once
                grad[:, :-1] -= (len(index) - 1) * self.s.l2 * p[:, :-1]
            if spec.bias == "shared":  # the one bias's gradient, under every unit's column
                grad[:, -1] = grad[0, -1]
            grads.append(grad)
            at += size
        return values[0], grads

    def plan(self, order: np.ndarray | None = None) -> list[np.ndarray]:
        """The 0-based samples of each update of one epoch, as the format defines the modes:
        consecutive groups of the samples in file order, or in ``order``."""
        m = len(self.s.data)
        order = np.arange(m) if order is None else order
        size = {"batch": m, "stochastic": 1}.get(self.s.mode) or self.s.batch_size or m
        return [order[i:i + size] for i in range(0, m, size)]

    def train(self, initial: list[np.ndarray], epochs: int | None = None
              ) -> tuple[list[Step], list[np.ndarray], str]:
        """Replay training from ``initial`` ([unit, input + 1] per layer); ``self.running`` then
        holds each epoch's mean of the losses its updates saw."""
        params = [p.copy() for p in initial]
        steps: list[Step] = []
        everything = np.arange(len(self.s.data))
        reason = "epochs"
        # shuffle: as the format defines it, epoch e's order is the e-th permutation drawn by
        # numpy's default_rng(shuffle_seed)
        shuffler = np.random.default_rng(self.s.shuffle_seed) if self.s.shuffle else None
        self.running: list[float] = []
        for epoch in range(1, (epochs or self.s.epochs) + 1):
            if epoch > 1 and self.s.tolerance is not None:
                if self.evaluate(params, everything)[0] < self.s.tolerance:
                    reason = "tolerance"
                    break
            order = None if shuffler is None else shuffler.permutation(len(self.s.data))
            seen = []
            for index in self.plan(order):
                loss, grads = self.evaluate(params, index)
                seen.append(loss)
                with np.errstate(all="ignore"):
                    params = [np.where(f, p, p - self.s.learning_rate * g)
                              for p, g, f in zip(params, grads, self.frozen, strict=True)]
                steps.append(Step(tuple(int(i) + 1 for i in index), loss, grads, params))
                if not (np.isfinite(loss) and all(np.isfinite(p).all() for p in params)):
                    self.running.append(float(np.mean(seen)))
                    return steps, params, "diverged"
            self.running.append(float(np.mean(seen)))  # the epoch's running loss
        final_loss = self.evaluate(params, everything)[0]  # over all samples, after training
        if reason == "epochs" and self.s.tolerance is not None and final_loss < self.s.tolerance:
            reason = "tolerance"
        if not np.isfinite(final_loss):
            reason = "diverged"  # the loss after the last update overflowed: it diverged too
        return steps, params, reason


def packed(weights, biases) -> list[np.ndarray]:
    """Per layer [unit, input + 1]: the engine's weights and biases side by side."""
    return [np.column_stack([w, b]) for w, b in zip(weights, biases, strict=True)]
