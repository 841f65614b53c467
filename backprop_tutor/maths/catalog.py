"""The names a scenario may give an activation or a loss, known without building any expression."""

from __future__ import annotations

# the elementwise activations and softmax of activations.py, in the order they are listed
BUILTIN_NAMES = ("sigmoid", "linear", "tanh", "relu", "softplus", "softmax")
ALIASES = {"identity": "linear", "logistic": "sigmoid"}
NAMES = (*BUILTIN_NAMES, "leaky_relu", *ALIASES)

# the losses of losses.py, in the order they are listed
LOSS_NAMES = ("half_squared_error", "squared_error", "mse", "binary_cross_entropy",
              "cross_entropy")


def canonical(name: str) -> str:
    """The built-in activation an activation name stands for (an alias's target)."""
    return ALIASES.get(name, name)
