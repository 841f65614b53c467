"""Plain NumPy backpropagation: the baseline backprop-tutor is timed against.

Usage: python benchmarks/numpy_reference.py SCENARIO.yaml

Reads a v1 scenario, trains it with full-batch gradient descent and prints
{"losses": [...], "parameters": {"weights": [...], "biases": [...]}} as JSON.
``losses[e]`` is the loss of epoch ``e`` before that epoch's update.
"""

import json
import sys

import numpy as np
import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# name -> (f(z), f'(z) given z and a = f(z))
ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda z, a: a * (1.0 - a)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0.0).astype(float)),
}


def train(scenario):
    layers = scenario["layers"]
    weights = [np.array(layer["weights"], dtype=float) for layer in layers]
    biases = [np.array(layer["biases"], dtype=float) for layer in layers]
    activations = [ACTIVATIONS[str(layer["activation"]).lower()] for layer in layers]
    loss_name = scenario.get("loss", "half_squared_error")
    if loss_name != "half_squared_error":
        raise SystemExit(f"numpy_reference: unsupported loss {loss_name!r}")

    x = np.array([sample["inputs"] for sample in scenario["data"]], dtype=float)
    t = np.array([sample["targets"] for sample in scenario["data"]], dtype=float)
    m = x.shape[0]  # rows are samples
    lr = float(scenario["learning_rate"])

    losses = []
    for _ in range(int(scenario["epochs"])):
        # Forward pass: z = a_prev W^T + b, a = f(z), for all samples at once.
        a_list, z_list = [x], []
        for w, b, (f, _) in zip(weights, biases, activations, strict=True):
            z = a_list[-1] @ w.T + b
            z_list.append(z)
            a_list.append(f(z))

        error = a_list[-1] - t
        losses.append(0.5 * float(np.sum(error * error)) / m)

        # Backward pass: delta = dE/dz of each layer, one row per sample.
        df = activations[-1][1]
        delta = error / m * df(z_list[-1], a_list[-1])
        grad_w = [None] * len(weights)
        grad_b = [None] * len(weights)
        for k in reversed(range(len(weights))):
            grad_w[k] = delta.T @ a_list[k]
            grad_b[k] = delta.sum(axis=0)
            if k > 0:
                df = activations[k - 1][1]
                delta = (delta @ weights[k]) * df(z_list[k - 1], a_list[k])

        # Update every parameter with the gradients of the pre-update values.
        for k in range(len(weights)):
            weights[k] = weights[k] - lr * grad_w[k]
            biases[k] = biases[k] - lr * grad_b[k]

    return losses, weights, biases


def main(argv):
    if len(argv) != 1:
        raise SystemExit("usage: python benchmarks/numpy_reference.py SCENARIO.yaml")
    with open(argv[0], encoding="utf-8") as handle:
        scenario = yaml.load(handle, Loader=Loader)
    losses, weights, biases = train(scenario)
    result = {
        "losses": losses,
        "parameters": {
            "weights": [w.tolist() for w in weights],
            "biases": [b.tolist() for b in biases],
        },
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
