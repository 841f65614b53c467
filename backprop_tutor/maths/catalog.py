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

# how each built-in activation is labelled in a picture (the name when empty)
DISPLAY = {"sigmoid": "σ", "linear": "", "tanh": "tanh", "relu": "relu", "softplus": "softplus",
           "softmax": "softmax", "leaky_relu": "leaky_relu"}
LEAKY_ALPHA = 0.01  # leaky_relu's slope below zero when the scenario gives none

# each loss over a batch, with {E}, {T} and {a} where the loss's, target's and activation's
# letters go; the losses that also divide by the number of outputs K
LOSS_WRITTEN = {
    "half_squared_error": "{E} = (1/m) Σ_s ½ Σ_k ({T} − {a})²",
    "squared_error": "{E} = (1/m) Σ_s Σ_k ({T} − {a})²",
    "mse": "{E} = (1/(m·K)) Σ_s Σ_k ({T} − {a})²",
    "binary_cross_entropy": "{E} = −(1/m) Σ_s Σ_k [{T} log {a} + (1 − {T}) log(1 − {a})]",
    "cross_entropy": "{E} = −(1/m) Σ_s Σ_k {T} log {a}",
}
PER_OUTPUT_MEAN = frozenset({"mse"})
