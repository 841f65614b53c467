"""Whole-process time of `validate` and `run --json` with and without the YAML fast path.

Usage: python benchmarks/yaml_fast_path.py [RUNS]     (default 7)

The fast path (``_lean_data`` in backprop_tutor/scenario/yaml_source.py) reads a plain
scenario from parser events without recording the position of every value. This times the
whole process on the shipped two_neuron.yaml and on a generated scenario of 10,000 samples
(2-8-1 sigmoid network), once as installed and once with the fast path turned off, runs
interleaved, and prints the medians. Both use the same cache folder, warmed first, so that
neither derives with SymPy.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from make_scenarios import scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "backprop_tutor" / "examples" / "two_neuron.yaml"
START = "import sys; from backprop_tutor.launch import main; sys.argv[0] = 'backprop-tutor'; main()"
WITH = START
WITHOUT = ("from backprop_tutor.scenario import yaml_source; "
           "yaml_source._lean_data = lambda text: None; " + START)


def once(code: str, args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 7
    with tempfile.TemporaryDirectory() as folder:
        large = Path(folder) / "large.yaml"
        doc = scenario("large", [2, 8, 1], 10_000, 1, 10_000)
        large.write_text(yaml.safe_dump(doc, sort_keys=False, default_flow_style=None,
                                        width=100_000), encoding="utf-8")
        env = {**os.environ, "BACKPROP_TUTOR_CACHE_DIR": str(Path(folder) / "cache")}
        env.pop("BACKPROP_TUTOR_NO_CACHE", None)
        print("| scenario | command | with | without | gain |\n| --- | --- | --- | --- | --- |")
        for name, path in (("two_neuron.yaml", SMALL), ("10,000 samples", large)):
            for args in (["validate", str(path)], ["run", str(path), "--json"]):
                once(WITH, args, env)  # warm the cache and the file system
                once(WITHOUT, args, env)
                fast, strict = [], []
                for _ in range(runs):
                    fast.append(once(WITH, args, env))
                    strict.append(once(WITHOUT, args, env))
                a, b = statistics.median(fast), statistics.median(strict)
                command = " ".join(["validate"] if args[0] == "validate" else ["run", "--json"])
                print(f"| {name} | {command} | {a * 1000:.0f} ms | {b * 1000:.0f} ms | "
                      f"{(b - a) / b:.0%} |")


if __name__ == "__main__":
    main(sys.argv[1:])
