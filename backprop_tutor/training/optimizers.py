"""Optimizers: how a parameter's gradient becomes its update, and the state each one keeps.

The rules are those of PyTorch's ``torch.optim`` (SGD with dampening 0, with and without
Nesterov momentum; RMSprop without centring or momentum; Adam without amsgrad), for a parameter
p with gradient g (the batch's mean or sum, plus the L2 term λ·w) at step t (the 1-based
iteration), every state starting at 0:

- sgd:       p⁺ = p − η·g
- momentum:  v⁺ = μ·v + g;              p⁺ = p − η·v⁺
- nesterov:  v⁺ = μ·v + g;              p⁺ = p − η·(g + μ·v⁺)
- rmsprop:   v⁺ = ρ·v + (1 − ρ)·g²;     p⁺ = p − η·g/(√v⁺ + ε)
- adam:      m⁺ = β1·m + (1 − β1)·g;    v⁺ = β2·v + (1 − β2)·g²;
             m̂ = m⁺/(1 − β1ᵗ);   v̂ = v⁺/(1 − β2ᵗ);   p⁺ = p − η·m̂/(√v̂ + ε)

torch's defaults are the defaults here (ρ is torch's ``alpha``, ε its ``eps``), except μ, which
torch leaves at 0 and is 0.9 here. A frozen parameter keeps its value and its state (0), as a
parameter outside torch's optimizer, or without a gradient, does. No sympy, no display.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.optimizer import DEFAULTS, NAMES, settings
from ..scenario.schema import Scenario

__all__ = ["DEFAULTS", "DERIVED", "NAMES", "STATE", "Optimizer", "optimizer_of", "optimizer_state"]

# the state each keeps from one update to the next, and what it derives from it at each step
STATE: dict[str, tuple[str, ...]] = {"sgd": (), "momentum": ("v",), "nesterov": ("v",),
                                     "rmsprop": ("v",), "adam": ("m", "v")}
DERIVED: dict[str, tuple[str, ...]] = {"adam": ("mhat", "vhat")}


@dataclass(frozen=True)
class Optimizer:
    """An optimizer other than plain gradient descent, with its options' values."""

    name: str
    rate: float  # η
    momentum: float = 0.0  # μ
    rho: float = 0.0  # ρ
    beta1: float = 0.0  # β1
    beta2: float = 0.0  # β2
    epsilon: float = 0.0  # ε

    @property
    def state(self) -> tuple[str, ...]:
        """The names of the state carried from one update to the next: ``v``; ``m``, ``v``."""
        return STATE[self.name]

    @property
    def derived(self) -> tuple[str, ...]:
        """The names of what each step derives from the state: Adam's ``mhat``, ``vhat``."""
        return DERIVED.get(self.name, ())

    def zeros(self, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
        """The state before the first update: every array 0."""
        return {name: np.zeros(shape) for name in self.state}

    def step(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], t: int,
             trainable: np.ndarray | None = None
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(p⁺, the state after the step with what it derives) for parameters ``p`` with
        gradients ``g`` (arrays of one shape) at step ``t`` (1-based). Where ``trainable`` is
        False the parameter and its state stay as they were."""
        after: dict[str, np.ndarray] = {}
        if self.name in ("momentum", "nesterov"):
            after["v"] = self.momentum * state["v"] + g
        elif self.name == "rmsprop":
            after["v"] = self.rho * state["v"] + (1 - self.rho) * (g * g)
        else:  # adam
            after["m"] = self.beta1 * state["m"] + (1 - self.beta1) * g
            after["v"] = self.beta2 * state["v"] + (1 - self.beta2) * (g * g)
        if trainable is not None:
            after = {name: np.where(trainable, a, state[name]) for name, a in after.items()}
        if self.name == "momentum":
            change = after["v"]
        elif self.name == "nesterov":
            change = g + self.momentum * after["v"]
        elif self.name == "rmsprop":
            change = g / (np.sqrt(after["v"]) + self.epsilon)
        else:
            after["mhat"] = after["m"] / (1 - self.beta1 ** t)
            after["vhat"] = after["v"] / (1 - self.beta2 ** t)
            change = after["mhat"] / (np.sqrt(after["vhat"]) + self.epsilon)
        p_after = p - self.rate * change
        if trainable is not None:
            p_after = np.where(trainable, p_after, p)
        return p_after, after


def optimizer_state(scenario: Scenario) -> tuple[str, ...]:
    """The names of the scenario's optimizer's state and of what it derives: ``("v",)``,
    ``("m", "v", "mhat", "vhat")``; nothing for sgd."""
    name, _ = settings(scenario)
    return (*STATE[name], *DERIVED.get(name, ()))


def optimizer_of(scenario: Scenario) -> Optimizer | None:
    """The scenario's optimizer, or None for plain gradient descent (sgd)."""
    name, options = settings(scenario)
    return None if name == "sgd" else Optimizer(name, scenario.learning_rate, **options)
