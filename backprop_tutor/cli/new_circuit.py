"""``backprop-tutor new --circuit``: a commented circuit to start from."""

from __future__ import annotations


def _value(number: float) -> str:
    return f"{number:g}"


def circuit_text(*, seed: int, learning_rate: float) -> str:
    """The YAML of a new circuit, its inputs and parameters drawn from ``seed`` as small
    numbers (halves) that are easy to work by hand, and every key explained. The circuit has
    a multiply, an add and a max gate, and one input used twice (its gradient is a sum)."""
    from ..signals import numpy_random

    rng = numpy_random().default_rng(seed)
    while True:
        x, y, w, b = (float(v) / 2 for v in rng.integers(-6, 7, 4))
        s = w * x + b
        if x and w and s != y:  # no tie at the max gate, no zero that hides a gradient
            break
    lines = [
        "# A new circuit (a computational graph). Its numbers were drawn with seed "
        f"{seed}; change any of",
        "# them. Check the file with `backprop-tutor validate FILE`, then work it with",
        "# `backprop-tutor run FILE` (and `--explain x` for the chain of one input).",
        "title: A circuit with a multiply, an add and a max gate",
        "teaches: (say what this example is for; `backprop-tutor examples` shows it)",
        "# inputs: fixed values; parameters: values that gradient descent updates with",
        "# learning_rate (leave both parameters: and learning_rate: out for no update)",
        f"inputs: {{x: {_value(x)}, y: {_value(y)}}}",
        f"parameters: {{w: {_value(w)}, b: {_value(b)}}}",
        f"learning_rate: {learning_rate:g}",
        "# nodes: each a formula of the inputs, parameters and nodes above it, in the order",
        "# worked: + - * / **, numbers, exp, log, sqrt, abs, tanh, sigmoid, max, min",
        "nodes:",
        "  p: w * x        # multiply gate: w gets x × upstream, x gets w × upstream",
        "  s: p + b        # add gate: passes its upstream gradient on unchanged",
        "  m: max(s, y)    # max gate: routes the gradient to the larger input",
        "  f: m * x        # x is used twice: its gradient is the sum of both uses",
        "output: f         # the node whose gradient is worked out (∂f/∂ every name)",
    ]
    return "\n".join(lines) + "\n"
