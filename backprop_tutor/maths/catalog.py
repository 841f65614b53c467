"""The names a scenario may give an activation, known without building any expression."""

from __future__ import annotations

# the elementwise activations and softmax of activations.py, in the order they are listed
BUILTIN_NAMES = ("sigmoid", "linear", "tanh", "relu", "softplus", "softmax")
ALIASES = {"identity": "linear", "logistic": "sigmoid"}
NAMES = (*BUILTIN_NAMES, "leaky_relu", *ALIASES)
