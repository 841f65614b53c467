"""Write the answer sheets of the grading benchmarks (deterministic).

Usage: python benchmarks/make_sheets.py [OUT_DIR] [--tool CMD]     (default: bench-out/)

- ``OUT_DIR/wide_8_64_64_10.sheet.yaml``: 20 answers to the first iteration of
  ``wide_8_64_64_10.yaml`` (written by make_scenarios.py into the same folder): forward values,
  the loss, local derivatives, δ values, gradients and updates of every layer, some right, some
  wrong by a classic slip (so named mistakes are looked for), one carried forward from a wrong
  earlier value, one far off (every rule is tried and none names it). The sheet's ``asks`` are
  its 20 addresses: the exercise is those 20 quantities.
- ``OUT_DIR/class/``: ``backprop-tutor variants two_neuron --count 30`` (30 variants and their
  blank sheets) and 300 filled sheets, ``NNN.yaml``, 10 per variant: four right, the others
  with one or two slips, blanks and unanswered quantities (see ``STUDENTS``).

The keys are computed here with NumPy (the forward and backward pass of a sigmoid network with
the loss ½ Σ (T − a)², mean over the samples), independently of the tool.
"""

from __future__ import annotations

import argparse
import math
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "bench-out"
VARIANTS = 30
PER_VARIANT = 10

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Network:
    """A sigmoid network's first iteration (full batch), with the tool's addresses."""

    def __init__(self, scenario: dict) -> None:
        self.weights = [np.array(layer["weights"], dtype=float) for layer in scenario["layers"]]
        self.biases = [np.array(layer["biases"], dtype=float) for layer in scenario["layers"]]
        self.x = np.array([s["inputs"] for s in scenario["data"]], dtype=float)
        self.t = np.array([s["targets"] for s in scenario["data"]], dtype=float)
        self.rate = float(scenario["learning_rate"])
        widths = [self.x.shape[1], *(len(b) for b in self.biases)]
        self.chain = all(w == 1 for w in widths)
        self.sep = "_" if max(*widths, len(self.weights)) > 9 else ""
        self.batch = self.x.shape[0] > 1
        m = self.x.shape[0]
        self.z, self.a = [], [self.x]
        for w, b in zip(self.weights, self.biases, strict=True):
            self.z.append(self.a[-1] @ w.T + b)
            self.a.append(sigmoid(self.z[-1]))
        self.losses = 0.5 * ((self.t - self.a[-1]) ** 2).sum(axis=1)
        self.dE_da = [None] * len(self.weights)
        self.dE_dz = [None] * len(self.weights)
        self.dE_da[-1] = -(self.t - self.a[-1])
        for k in reversed(range(len(self.weights))):
            self.dE_dz[k] = self.dE_da[k] * self.a[k + 1] * (1 - self.a[k + 1])
            if k:
                self.dE_da[k - 1] = self.dE_dz[k] @ self.weights[k]
        self.grad_w = [d.T @ a / m for d, a in zip(self.dE_dz, self.a, strict=False)]
        self.grad_b = [d.mean(axis=0) for d in self.dE_dz]

    # addresses: layer, unit and input 1-based
    def unit(self, letter: str, layer: int, unit: int) -> str:
        return f"{letter}{layer}" if self.chain else f"{letter}{layer}{self.sep}{unit}"

    def weight(self, layer: int, unit: int, i: int) -> str:
        return f"w{layer}" if self.chain else f"w{layer}{self.sep}{unit}{self.sep}{i}"

    def at(self, address: str, sample: int) -> str:
        return f"{address}@{sample}" if self.batch else address

    def key(self) -> dict[str, float]:
        """The addresses the sheets use → their values (samples 1-based)."""
        out: dict[str, float] = {}
        for s in range(self.x.shape[0]):
            for k in range(len(self.weights)):
                for j in range(len(self.biases[k])):
                    z, a = self.unit("z", k + 1, j + 1), self.unit("a", k + 1, j + 1)
                    out[self.at(z, s + 1)] = self.z[k][s, j]
                    out[self.at(a, s + 1)] = self.a[k + 1][s, j]
                    out[self.at(f"dE/d{a}", s + 1)] = self.dE_da[k][s, j]
                    out[self.at(f"d{a}/d{z}", s + 1)] = self.a[k + 1][s, j] * (
                        1 - self.a[k + 1][s, j])
                    out[self.at(f"dE/d{z}", s + 1)] = self.dE_dz[k][s, j]
            out[self.at("E", s + 1)] = self.losses[s]
        out["E"] = float(self.losses.mean())
        for k, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            for j in range(w.shape[0]):
                for i in range(w.shape[1]):
                    name = self.weight(k + 1, j + 1, i + 1)
                    out[f"dE/d{name}"] = self.grad_w[k][j, i]
                    out[f"{name}+"] = w[j, i] - self.rate * self.grad_w[k][j, i]
                name = self.unit("b", k + 1, j + 1)
                out[f"dE/d{name}"] = self.grad_b[k][j]
                out[f"{name}+"] = b[j] - self.rate * self.grad_b[k][j]
        return {a: float(v) for a, v in out.items()}


def written(value: float, digits: int = 6) -> str:
    """The value as a student writes it: ``digits`` significant digits."""
    return f"{value:.{digits}g}"


def sheet_text(answers: dict[str, str | None], *, scenario: str, student: str,
               variant: str | None = None, asks: list[str] | None = None) -> str:
    lines = [f"scenario: {scenario}", f"student: {student}"]
    if variant:
        lines.append(f"variant: {variant}")
    lines.append("iteration: 1")
    if asks:
        lines.append("asks: [" + ", ".join(f'"{a}"' for a in asks) + "]")
    lines.append("answers:")
    lines += [f'  "{a}": {"" if v is None else v}'.rstrip() for a, v in answers.items()]
    return "\n".join(lines) + "\n"


def wide_sheet(scenario_path: Path) -> str:
    """20 answers to the 8-64-64-10 network's first iteration."""
    with open(scenario_path, encoding="utf-8") as handle:
        net = Network(yaml.load(handle, Loader=Loader))
    key = net.key()
    right = ["z3_10@8", "z1_1@2", "a2_7@3", "E@4", "E", "da3_2/dz3_2@5", "dE/dz2_9@6",
             "dE/dw3_4_17", "dE/db2_30", "w1_5_3+", "b3_10+"]
    answers = {a: written(key[a]) for a in right}
    rate = net.rate
    # wrong, each by a slip the tool names
    answers["a2_3@5"] = written(key["z2_3@5"])  # the net input written for the activation
    answers["w3_1_1+"] = written(net.weights[2][0, 0])  # the update not applied
    answers["dE/dw3_2_4"] = written(-key["dE/dw3_2_4"])  # sign flipped
    answers["b2_5+"] = written(net.biases[1][4] + rate * key["dE/db2_5"])  # update added
    answers["dE/dz3_1@1"] = written(key["dE/da3_1@1"])  # the activation's derivative left out
    # a wrong forward value, and the next one carried forward from it
    z = key["z1_1@1"] + 0.25
    answers["z1_1@1"] = written(z)
    answers["a1_1@1"] = written(1 / (1 + math.exp(-z)))
    # far off: no rule explains it (every rule is tried)
    answers["dE/dw1_2_3"] = written(key["dE/dw1_2_3"] * 7 + 0.3)
    answers["dE/da2_12@7"] = written(key["dE/da2_12@7"] * 1.5)
    assert len(answers) == 20
    return sheet_text(answers, scenario=scenario_path.name, student="wide",
                      asks=list(answers))


# What each of a variant's ten students writes: a slip name → how it changes the answers.
STUDENTS = ["right", "right", "right 3 digits", "right", "not updated", "sign", "z for a",
            "no rate", "far off", "blanks"]


def class_sheet(net: Network, kind: str) -> dict[str, str | None]:
    """The 24 answers of a two-neuron sheet written by one kind of student."""
    key = net.key()
    digits = 3 if kind == "right 3 digits" else 4
    given = [a for a in key if a not in ("x1", "T1", "T")]
    # the local derivatives of z: dz2/da1 = w2, dz2/dw2 = a1, dz1/dw1 = x1, dz/db = 1
    key.update({"dz2/da1": net.weights[1][0, 0], "dz2/dw2": key["a1"],
                "dz1/dw1": float(net.x[0, 0]), "dz2/db2": 1.0, "dz1/db1": 1.0})
    given = [*given, "dz2/da1", "dz2/dw2", "dz2/db2", "dz1/dw1", "dz1/db1"]
    answers: dict[str, str | None] = {a: written(key[a], digits) for a in _sheet_order(given)}
    if kind == "not updated":
        answers["w2+"] = written(net.weights[1][0, 0], digits)
    elif kind == "sign":
        answers["dE/dw1"] = written(-key["dE/dw1"], digits)
        answers["w1+"] = written(net.weights[0][0, 0] + net.rate * key["dE/dw1"], digits)
    elif kind == "z for a":
        answers["a1"] = written(key["z1"], digits)
    elif kind == "no rate":
        answers["w2+"] = written(net.weights[1][0, 0] - key["dE/dw2"], digits)
    elif kind == "far off":
        answers["dE/dz1"] = written(key["dE/dz1"] * 3 + 0.01, digits)
        answers["b1+"] = "0.5"
    elif kind == "blanks":
        answers["dE/db1"] = None
        del answers["b1+"]
    return answers


def _sheet_order(addresses: list[str]) -> list[str]:
    # the worked solution's sections: forward, loss, backward, gradients, updates
    def section(a: str) -> int:
        if a.endswith("+"):
            return 4
        if a.startswith("dE/dw") or a.startswith("dE/db"):
            return 3
        if "/" in a:
            return 2
        return 1 if a == "E" else 0
    return sorted(addresses, key=section)


def class_sheets(folder: Path, tool: list[str]) -> list[Path]:
    """Write 30 two-neuron variants (with the tool) and 300 filled sheets into ``folder``."""
    if folder.exists():
        shutil.rmtree(folder)
    subprocess.run([*tool, "variants", "two_neuron", "-o", str(folder), "--count",
                    str(VARIANTS)], check=True, stdout=subprocess.DEVNULL)
    variants = sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".sheet.yaml"))
    paths = []
    for v, variant in enumerate(variants):
        with open(variant, encoding="utf-8") as handle:
            net = Network(yaml.load(handle, Loader=Loader))
        for k, kind in enumerate(STUDENTS[:PER_VARIANT]):
            number = v * PER_VARIANT + k + 1
            path = folder / f"{number:03d}.yaml"
            path.write_text(sheet_text(class_sheet(net, kind), scenario=variant.name,
                                       student=f"student {number:03d} ({kind})",
                                       variant=variant.stem), encoding="utf-8")
            paths.append(path)
    return paths


def find_tool(override: str | None) -> list[str]:
    if override:
        return shlex.split(override)
    found = shutil.which("backprop-tutor") or str(Path(sys.executable).parent / "backprop-tutor")
    return [found] if Path(found).exists() else [sys.executable, "-m", "backprop_tutor"]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Write the grading benchmarks' sheets.")
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT,
                        help=f"the folder of the benchmark scenarios (default {DEFAULT_OUT})")
    parser.add_argument("--tool", help="command that starts the tool (default: found on PATH)")
    args = parser.parse_args(argv)
    scenario = args.out_dir / "wide_8_64_64_10.yaml"
    if not scenario.is_file():
        subprocess.run([sys.executable, str(HERE / "make_scenarios.py"), str(args.out_dir)],
                       check=True, stdout=subprocess.DEVNULL)
    sheet = args.out_dir / "wide_8_64_64_10.sheet.yaml"
    sheet.write_text(wide_sheet(scenario), encoding="utf-8")
    print(sheet)
    paths = class_sheets(args.out_dir / "class", find_tool(args.tool))
    print(f"{args.out_dir / 'class'}  ({VARIANTS} variants, {len(paths)} sheets)")


if __name__ == "__main__":
    main(sys.argv[1:])
