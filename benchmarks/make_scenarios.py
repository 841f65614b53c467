"""Write the benchmark scenario files (deterministic).

Usage: python benchmarks/make_scenarios.py [OUT_DIR]     (default: bench-out/)

Every network uses sigmoid units. Weights and biases are drawn uniformly from
[-0.5, 0.5], inputs from [-1, 1] and targets from [0.1, 0.9] with
numpy.random.default_rng(seed), then rounded to 6 decimals.
"""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench-out"

# name -> layer sizes (inputs first), samples, epochs, seed
CASES = {
    "wide_4_16_16_3": {"sizes": [4, 16, 16, 3], "samples": 150, "epochs": 1000, "seed": 416163},
    "wide_8_64_64_10": {"sizes": [8, 64, 64, 10], "samples": 1000, "epochs": 300, "seed": 8646410},
    # Set-up cases: about 10^2, 10^3 and 10^4 parameters, one epoch, few samples.
    "setup_1e2": {"sizes": [4, 7, 7, 2], "samples": 4, "epochs": 1, "seed": 102},  # 107
    "setup_1e3": {"sizes": [4, 28, 28, 2], "samples": 4, "epochs": 1, "seed": 103},  # 1,010
    "setup_1e4": {"sizes": [4, 96, 96, 2], "samples": 4, "epochs": 1, "seed": 104},  # 9,986
}

LEARNING_RATE = 0.5

# The two-neuron chain of the scenario format description, used when the
# project's scenarios/two_neuron.yaml is not there.
TWO_NEURON = """\
title: Two neurons in a chain
inputs: [x1]
layers:
  - units: 1
    activation: sigmoid
    weights: [[0.15]]
    biases: [0.40]
  - units: 1
    activation: sigmoid
    weights: [[0.45]]
    biases: [0.65]
data:
  - inputs: [0.1]
    targets: [0.25]
loss: half_squared_error
learning_rate: 0.4
epochs: 1
"""


def parameter_count(sizes: list[int]) -> int:
    """Number of weights and biases of a fully connected network."""
    return sum(n_in * n_out + n_out for n_in, n_out in pairwise(sizes))


def uniform(rng: np.random.Generator, low: float, high: float, shape) -> list:
    """Uniform draws as nested lists of floats rounded to 6 decimals."""
    values = rng.uniform(low, high, size=shape)
    if values.ndim == 1:
        return [round(v, 6) for v in values.tolist()]
    return [[round(v, 6) for v in row] for row in values.tolist()]


def scenario(name: str, sizes: list[int], samples: int, epochs: int, seed: int) -> dict:
    """The scenario as a plain dict, ready for yaml.safe_dump."""
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in pairwise(sizes):
        layers.append(
            {
                "units": n_out,
                "activation": "sigmoid",
                "weights": uniform(rng, -0.5, 0.5, (n_out, n_in)),
                "biases": uniform(rng, -0.5, 0.5, n_out),
            }
        )
    inputs = uniform(rng, -1.0, 1.0, (samples, sizes[0]))
    targets = uniform(rng, 0.1, 0.9, (samples, sizes[-1]))
    shape = "-".join(str(n) for n in sizes)
    return {
        "title": f"Benchmark {name} ({shape} sigmoid, {samples} samples, {epochs} epochs)",
        "inputs": [f"x{i}" for i in range(1, sizes[0] + 1)],
        "layers": layers,
        "data": [{"inputs": x, "targets": t} for x, t in zip(inputs, targets, strict=True)],
        "loss": "half_squared_error",
        "learning_rate": LEARNING_RATE,
        "epochs": epochs,
    }


def write_scenarios(out_dir: Path = DEFAULT_OUT) -> dict[str, Path]:
    """Write every benchmark scenario (and two_neuron.yaml) into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, case in CASES.items():
        doc = scenario(name, **case)
        header = (
            f"# Benchmark scenario {name}: seed {case['seed']}, "
            f"{parameter_count(case['sizes'])} parameters.\n"
        )
        # A wide line width keeps each weight row (one unit) on one line.
        text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100_000)
        path = out_dir / f"{name}.yaml"
        path.write_text(header + text, encoding="utf-8")
        paths[name] = path
    path = out_dir / "two_neuron.yaml"
    path.write_text(TWO_NEURON, encoding="utf-8")
    paths["two_neuron"] = path
    return paths


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Write the benchmark scenario files.")
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT,
                        help=f"the folder to write them to (default {DEFAULT_OUT})")
    out_dir = parser.parse_args(argv).out_dir
    for name, path in write_scenarios(out_dir).items():
        size = CASES[name]["sizes"] if name in CASES else [1, 1, 1]
        print(f"{path}  ({parameter_count(size)} parameters)")


if __name__ == "__main__":
    main(sys.argv[1:])
