"""Time backprop-tutor against a plain NumPy baseline, whole process against whole process.

Usage: python benchmarks/run.py [--runs N] [--only CASE] [--quick] [--tool CMD]

The grading cases time `grade` alone (there is no reference): see benchmarks/README.md.

For every case the two commands run alternately (tool, reference, tool, reference, ...),
stdout goes to /dev/null, wall time is measured with time.perf_counter around the child and
peak RSS is read from os.wait4. The result is a Markdown table on stdout; progress and error
details go to stderr. See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = HERE / "numpy_reference.py"
MAKE_SCENARIOS = HERE / "make_scenarios.py"
OUT = ROOT / "bench-out"
TWO_NEURON = ROOT / "scenarios" / "two_neuron.yaml"
IMPORT_SYMPY = [sys.executable, "-c", "import sympy"]

# Targets for "median of per-pair ratios" (tool time / reference time); None: no target set.
TARGETS = {
    "help": 0.6,
    "two_neuron": 2.0,
    "wide_4_16_16_3": 3.0,
    "wide_8_64_64_10": 2.0,
}
SETUP_CASES = ["setup_1e2", "setup_1e3", "setup_1e4"]
# Grading (no reference): a 20-answer sheet against the 8-64-64-10 network, at most this many
# CPU seconds and MB; a class of 300 sheets against 30 variants, at most this many CPU ms per
# sheet beyond the first 30 (half the 47 ms the grading issue measured).
GRADE_CASES = {"grade_wide_8_64_64_10": (10.0, 500.0), "grade_class_300": 23.5}
MAKE_SHEETS = HERE / "make_sheets.py"
ALL_CASES = [*TARGETS, *SETUP_CASES, *GRADE_CASES]

REL_TOL = 1e-9  # agreement of final parameters, relative ...
ABS_TOL = 1e-12  # ... with this floor for parameters that end up near zero

# ru_maxrss is in kilobytes on Linux and in bytes on macOS.
RSS_BYTES = 1 if sys.platform == "darwin" else 1024


class CaseFailed(Exception):
    """A command of a case did not finish successfully."""


@dataclass
class Run:
    seconds: float
    peak_mb: float | None
    peak_is_floor: bool  # the child's peak may be this process's own size (see run_once)
    returncode: int
    timed_out: bool
    stderr: str
    cpu: float | None = None  # user + system seconds of the child


@dataclass
class Pair:
    tool: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    tool_peak: list[Run] = field(default_factory=list)
    reference_peak: list[Run] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [t / r for t, r in zip(self.tool, self.reference, strict=True)]

    def ratio(self) -> float:
        return statistics.median(self.ratios())

    def ratio_text(self) -> str:
        """Median ratio, with the smallest and largest when there are several pairs."""
        text = f"{self.ratio():.2f}×"
        if len(self.tool) > 1:
            text += f" ({min(self.ratios()):.2f}–{max(self.ratios()):.2f})"
        return text


# --- running one process -------------------------------------------------------------------


def own_peak_mb() -> float:
    """Peak RSS of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * RSS_BYTES / 2**20


def reset_own_peak() -> None:
    """Reset this process's peak RSS to its current RSS (Linux; see clear_refs in proc(5)).

    A child's peak RSS as reported by the kernel starts at the parent's peak RSS at the time
    of the fork, so a parent that once held a large JSON document would inflate every later
    measurement. Elsewhere this does nothing and such readings are marked with "≤".
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


def run_once(cmd: list[str], timeout: float, stdout=subprocess.DEVNULL,
             env: dict[str, str] | None = None) -> Run:
    """Run cmd once from the project root; wall time, peak RSS, exit status, stderr."""
    timed_out = threading.Event()
    reset_own_peak()
    floor_mb = own_peak_mb()
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err,
                                env=env)

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            if hasattr(os, "wait4"):
                _, status, usage = os.wait4(proc.pid, 0)
                seconds = time.perf_counter() - start
                proc.returncode = os.waitstatus_to_exitcode(status)
                peak_mb = usage.ru_maxrss * RSS_BYTES / 2**20
                cpu = usage.ru_utime + usage.ru_stime
            else:  # no per-child resource usage on this platform
                proc.wait()
                seconds = time.perf_counter() - start
                peak_mb = cpu = None
        finally:
            timer.cancel()
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
    is_floor = peak_mb is not None and peak_mb <= floor_mb
    return Run(seconds, peak_mb, is_floor, proc.returncode, timed_out.is_set(), stderr, cpu)


def check(run: Run, who: str, cmd: list[str]) -> None:
    """Raise CaseFailed with a one-line reason if the run did not succeed."""
    if run.returncode == 0 and not run.timed_out:
        return
    if run.timed_out:
        reason = f"{who} timed out after {run.seconds:.0f} s"
    else:
        reason = f"{who} failed (exit {run.returncode})"
    lines = [line for line in run.stderr.strip().splitlines() if line.strip()]
    print(f"\n{who} failed: {shlex.join(cmd)}", file=sys.stderr)
    print("\n".join(lines[-20:]) or "(no output on stderr)", file=sys.stderr)
    if lines:
        reason += f": {lines[-1].strip()}"
    raise CaseFailed(reason)


def alternate(
    name: str, tool_cmd: list[str], ref_cmd: list[str], runs: int, timeout: float
) -> Pair:
    """Run tool and reference alternately, runs times each."""
    pair = Pair()
    for i in range(runs):
        print(f"  {name}: run {i + 1}/{runs}", file=sys.stderr, flush=True)
        a = run_once(tool_cmd, timeout)
        check(a, "backprop-tutor", tool_cmd)
        b = run_once(ref_cmd, timeout)
        check(b, "reference", ref_cmd)
        pair.tool.append(a.seconds)
        pair.reference.append(b.seconds)
        pair.tool_peak.append(a)
        pair.reference_peak.append(b)
    return pair


# --- checking the tool's final parameters ----------------------------------------------------


def parameter_names(weights: list) -> list[tuple[str, str, int, int, int | None]]:
    """(name, kind, layer, unit, input) of every parameter, 0-based indices, tool's naming.

    One input and one unit per layer: w1 b1 w2 b2 ...; otherwise w{layer}{unit}{input} and
    b{layer}{unit}, 1-based, joined by "_" when a layer width or the layer count exceeds 9.
    """
    widths = [len(weights[0][0])] + [len(w) for w in weights]
    chain = all(width == 1 for width in widths)
    sep = "_" if max([*widths, len(weights)]) > 9 else ""
    names = []
    for k, layer in enumerate(weights):
        for j, row in enumerate(layer):
            for i in range(len(row)):
                label = f"w{k + 1}" if chain else f"w{k + 1}{sep}{j + 1}{sep}{i + 1}"
                names.append((label, "w", k, j, i))
            label = f"b{k + 1}" if chain else f"b{k + 1}{sep}{j + 1}"
            names.append((label, "b", k, j, None))
    return names


def compare(tool_json: dict, reference_json: dict) -> str | None:
    """None if the final parameters agree, else a one-line description of the difference."""
    try:
        got = tool_json["final"]["parameters"]
        got = {str(key): float(value) for key, value in got.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return f"no usable final.parameters mapping in the tool's JSON ({exc!r})"
    weights = reference_json["parameters"]["weights"]
    biases = reference_json["parameters"]["biases"]
    missing, bad, worst = [], 0, None
    for name, kind, k, j, i in parameter_names(weights):
        want = weights[k][j][i] if kind == "w" else biases[k][j]
        if name not in got:
            missing.append(name)
            continue
        if not math.isclose(got[name], want, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            bad += 1
            diff = abs(got[name] - want) / max(abs(want), ABS_TOL)
            if worst is None or diff > worst[0]:
                worst = (diff, name, got[name], want)
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        return f"{len(missing)} parameters missing from the tool's JSON ({shown})"
    if bad:
        _, name, tool_value, want = worst
        return (
            f"{bad} parameters differ by more than {REL_TOL:g} relative; worst {name}: "
            f"tool {tool_value!r}, reference {want!r}"
        )
    return None


def run_json(who: str, cmd: list[str], timeout: float) -> dict:
    """Run cmd once with stdout captured and parse it as JSON."""
    with tempfile.TemporaryFile() as out:
        run = run_once(cmd, timeout, stdout=out)
        check(run, who, cmd)
        out.seek(0)
        try:
            return json.load(out)
        except ValueError as exc:
            raise CaseFailed(f"{who} did not print valid JSON ({exc})") from exc


def verify(tool_cmd: list[str], scenario: Path, timeout: float) -> tuple[int, str | None]:
    """Run reference and tool (--json) once each and compare their final parameters.

    Returns the number of parameters and None, or a description of the disagreement.
    Raises CaseFailed if the reference cannot run; if the tool cannot, the CaseFailed
    carries the parameter count.
    """
    ref_cmd = [sys.executable, str(REFERENCE), str(scenario)]
    reference = run_json("reference", ref_cmd, timeout)
    count = sum(len(row) + 1 for layer in reference["parameters"]["weights"] for row in layer)
    try:
        tool = run_json("backprop-tutor", tool_cmd, timeout)
    except CaseFailed as exc:
        exc.parameters = count
        raise
    problem = compare(tool, reference)
    del tool, reference  # keep this process small: see reset_own_peak
    return count, problem


# --- the report ------------------------------------------------------------------------------


def find_tool(override: str | None) -> list[str]:
    """The command that starts backprop-tutor."""
    if override:
        return shlex.split(override)
    on_path = shutil.which("backprop-tutor")
    if on_path:
        return [on_path]
    beside_python = Path(sys.executable).parent / "backprop-tutor"
    if beside_python.exists():
        return [str(beside_python)]
    return [sys.executable, "-m", "backprop_tutor"]


def compile_package() -> None:
    """Write the project's byte code, as installing a package does.

    With PYTHONDONTWRITEBYTECODE set (common in containers) an editable install would
    otherwise compile every module of the tool from source at each start, which a user of an
    installed package never pays.
    """
    where = "import backprop_tutor, os; print(os.path.dirname(backprop_tutor.__file__))"
    found = subprocess.run([sys.executable, "-c", where], capture_output=True, text=True,
                           check=False)
    if found.returncode == 0 and found.stdout.strip():
        subprocess.run([sys.executable, "-m", "compileall", "-q", found.stdout.strip()],
                       stdout=subprocess.DEVNULL, check=False)


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def print_machine(tool: list[str], runs: int) -> None:
    print("# backprop-tutor benchmark\n")
    print(f"- machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} CPUs")
    print(
        f"- python: {platform.python_version()} ({platform.python_implementation()}), "
        f"numpy {version('numpy')}, sympy {version('sympy')}, PyYAML {version('PyYAML')}"
    )
    print(f"- tool: `{shlex.join(tool)}`")
    print(f"- reference: `python {REFERENCE.relative_to(ROOT)}`")
    threads = [f"{name}={os.environ[name]}" for name in THREAD_VARIABLES if name in os.environ]
    print(f"- BLAS threads (tool and reference): {', '.join(threads)}")
    print(f"- runs per case: {runs} of each command, alternating, stdout to /dev/null\n")


def fmt_peak(pair: Pair) -> str:
    """Largest peak RSS of the tool runs / of the reference runs, in MB."""
    parts = []
    for runs in (pair.tool_peak, pair.reference_peak):
        peaks = [run for run in runs if run.peak_mb is not None]
        if not peaks:
            return "n/a"
        top = max(peaks, key=lambda run: run.peak_mb)
        parts.append(f"{'≤ ' if top.peak_is_floor else ''}{top.peak_mb:.0f}")
    return " / ".join(parts)


def row(*cells: object) -> None:
    """Print one Markdown table row ("|" inside a cell is escaped)."""
    text = [str(cell).replace("|", "\\|") for cell in cells]
    print("| " + " | ".join(text) + " |", flush=True)


def target_text(ratio: float, target: float | None) -> str:
    if target is None:
        return "—"
    return f"≤ {target:g}× ({'met' if ratio <= target else '**missed**'})"


def main_rows(cases: list[str], tool: list[str], runs: int, timeout: float) -> int:
    """The start-up, two-neuron and wide rows; returns the number of failed cases."""
    two_neuron = TWO_NEURON if TWO_NEURON.exists() else OUT / "two_neuron.yaml"
    failures = 0
    row("case", "tool median s", "reference median s", "ratio", "target", "peak MB",
        "first run s (ratio)")
    row(*["---"] * 7)
    for name in cases:
        if name == "help":
            label = "`--help` vs `import sympy`"
            tool_cmd, ref_cmd, scenario = [*tool, "--help"], IMPORT_SYMPY, None
        elif name == "two_neuron":
            shown = two_neuron.relative_to(ROOT)
            label = f"`run {shown}` vs `import sympy`"
            tool_cmd, ref_cmd, scenario = [*tool, "run", str(shown)], IMPORT_SYMPY, two_neuron
        else:
            label = name
            scenario = OUT / f"{name}.yaml"
            tool_cmd = [*tool, "run", str(scenario), "--json"]
            ref_cmd = [sys.executable, str(REFERENCE), str(scenario)]
        problem = None
        first = None
        try:
            if scenario is not None:
                first = first_run(tool_cmd, timeout)
                json_cmd = [*tool, "run", str(scenario), "--json"]
                _, problem = verify(json_cmd, scenario, timeout)
                # untimed: the timed runs then find this network and view in the cache
                check(run_once(tool_cmd, timeout), "backprop-tutor", tool_cmd)
            pair = alternate(name, tool_cmd, ref_cmd, runs, timeout)
        except CaseFailed as exc:
            failures += 1
            row(f"**{label}**", f"**{exc}**", "", "", "", "", "")
            continue
        ratio = pair.ratio()
        first_text = "—" if first is None else (
            f"{first:.3f} ({first / statistics.median(pair.reference):.2f}×)")
        row(
            label,
            f"{statistics.median(pair.tool):.3f}",
            f"{statistics.median(pair.reference):.3f}",
            pair.ratio_text(),
            target_text(ratio, TARGETS[name]),
            fmt_peak(pair),
            first_text,
        )
        if problem:
            failures += 1
            row(f"⚠ {label}", f"**final parameters disagree: {problem}**", "", "", "", "", "")
    return failures


def first_run(cmd: list[str], timeout: float) -> float:
    """Seconds of one run with an empty derivation cache: what the first run of a network
    costs, sympy's import and the derivation included."""
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as empty:
        run = run_once(cmd, timeout, env={**os.environ, "BACKPROP_TUTOR_CACHE_DIR": empty})
    check(run, "backprop-tutor", cmd)
    return run.seconds


def setup_rows(cases: list[str], tool: list[str], runs: int, timeout: float) -> int:
    """The set-up time rows; returns the number of failed cases."""
    print("\nSet-up time: one epoch (`run FILE --json --epochs 1`) on growing networks.")
    print("Marginal = extra tool milliseconds per extra 1,000 parameters since the row")
    print("above; about equal values mean that set-up time grows linearly.\n")
    row("case", "parameters", "tool median s", "reference median s", "marginal", "peak MB")
    row(*["---"] * 6)
    failures = 0
    previous = None  # (parameters, tool median s) of the row above
    for name in cases:
        scenario = OUT / f"{name}.yaml"
        tool_cmd = [*tool, "run", str(scenario), "--json", "--epochs", "1"]
        ref_cmd = [sys.executable, str(REFERENCE), str(scenario)]
        try:
            params, problem = verify(tool_cmd, scenario, timeout)
            # every run derives: set-up time is parsing and deriving, not reading the cache
            os.environ["BACKPROP_TUTOR_NO_CACHE"] = "1"
            try:
                pair = alternate(name, tool_cmd, ref_cmd, runs, timeout)
            finally:
                del os.environ["BACKPROP_TUTOR_NO_CACHE"]
        except CaseFailed as exc:
            failures += 1
            previous = None
            params = getattr(exc, "parameters", None)
            row(f"**{name}**", f"{params:,}" if params else "?", f"**{exc}**", "", "", "")
            continue
        seconds = statistics.median(pair.tool)
        marginal = "—"
        if previous is not None:
            extra_ms = (seconds - previous[1]) * 1000
            marginal = f"{extra_ms / ((params - previous[0]) / 1000):.1f} ms / 1k"
        previous = (params, seconds)
        row(
            name,
            f"{params:,}",
            f"{seconds:.3f}",
            f"{statistics.median(pair.reference):.3f}",
            marginal,
            fmt_peak(pair),
        )
        if problem:
            failures += 1
            row(f"⚠ {name}", "", f"**final parameters disagree: {problem}**", "", "", "")
    return failures


def grading_rows(cases: list[str], tool: list[str], runs: int, timeout: float) -> int:
    """The grading rows (whole `grade` processes, no reference); returns the number of failed
    cases."""
    subprocess.run([sys.executable, str(MAKE_SHEETS), str(OUT), "--tool", shlex.join(tool)],
                   check=True, stdout=subprocess.DEVNULL)
    print("\nGrading: whole `grade` processes (table output), CPU = user + system seconds of the")
    print("process. Per extra sheet = (CPU of 300 sheets - CPU of 30 sheets) / 270, medians.\n")
    row("case", "command", "median s", "median CPU s", "peak MB", "target")
    row(*["---"] * 6)
    failures = 0
    sheets = sorted((OUT / "class").glob("[0-9][0-9][0-9].yaml"))
    for name in cases:
        if name == "grade_wide_8_64_64_10":
            commands = {"20 answers": [*tool, "grade", str(OUT / "wide_8_64_64_10.yaml"),
                                       str(OUT / "wide_8_64_64_10.sheet.yaml")]}
        else:
            folder = str(OUT / "class")
            commands = {"30 sheets": [*tool, "grade", folder, *map(str, sheets[::10])],
                        "300 sheets": [*tool, "grade", folder, *map(str, sheets)]}
        measured: dict[str, list[Run]] = {label: [] for label in commands}
        try:
            for i in range(runs):
                print(f"  {name}: run {i + 1}/{runs}", file=sys.stderr, flush=True)
                for label, cmd in commands.items():  # alternately
                    run = run_once(cmd, timeout)
                    check(run, "backprop-tutor", cmd)
                    measured[label].append(run)
        except CaseFailed as exc:
            failures += 1
            row(f"**{name}**", f"**{exc}**", "", "", "", "")
            continue
        cpu = {label: statistics.median(r.cpu or 0.0 for r in found)
               for label, found in measured.items()}
        for n, (label, found) in enumerate(measured.items()):
            target = ""
            if name == "grade_wide_8_64_64_10":
                most_cpu, most_mb = GRADE_CASES[name]
                peak = max(r.peak_mb or 0.0 for r in found)
                met = cpu[label] <= most_cpu and peak <= most_mb
                verdict = "met" if met else "**missed**"
                target = f"≤ {most_cpu:g} CPU s, ≤ {most_mb:g} MB ({verdict})"
            elif n == len(measured) - 1:
                extra = (cpu["300 sheets"] - cpu["30 sheets"]) / 270 * 1000
                most = GRADE_CASES[name]
                target = (f"{extra:.1f} ms CPU per extra sheet; ≤ {most:g} ms "
                          f"({'met' if extra <= most else '**missed**'})")
            row(name if n == 0 else "", label, f"{statistics.median(r.seconds for r in found):.3f}",
                f"{cpu[label]:.3f}", f"{max(r.peak_mb or 0.0 for r in found):.0f}", target)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="runs of each command per case (default 5)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="CASE",
        help=f"run only cases whose name starts with CASE (repeatable): {', '.join(ALL_CASES)}",
    )
    parser.add_argument("--quick", action="store_true", help="one run each: a smoke test")
    parser.add_argument("--tool", help="command that starts the tool (default: found on PATH)")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds before one process is killed"
    )
    args = parser.parse_args(argv)

    runs = args.runs or (1 if args.quick else 5)
    if runs < 1:
        parser.error("--runs must be at least 1")
    cases = ALL_CASES
    if args.only:
        cases = [c for c in ALL_CASES if any(c.startswith(prefix) for prefix in args.only)]
        if not cases:
            parser.error(f"no case matches --only {args.only}; cases: {', '.join(ALL_CASES)}")

    # The tool runs NumPy's BLAS on one thread unless told otherwise; the reference gets the
    # same setting, so that both sides do the same arithmetic the same way. A setting in the
    # environment applies to both.
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    # Scenario files are written by a separate process so that this one stays small.
    subprocess.run(
        [sys.executable, str(MAKE_SCENARIOS), str(OUT)], check=True, stdout=subprocess.DEVNULL
    )
    tool = find_tool(args.tool)
    # The tool keeps what it derived for a network (its cache) and later runs of the same
    # network read it back. The benchmark uses a cache of its own, empty at the start: each
    # case's first run is timed on its own (the "first run" column), the alternating runs
    # after it find the cache filled, as every later run of that network does.
    cache = tempfile.mkdtemp(prefix="bench-cache-")
    os.environ["BACKPROP_TUTOR_CACHE_DIR"] = cache
    os.environ.pop("BACKPROP_TUTOR_NO_CACHE", None)
    try:
        return _measure(args, cases, runs, tool)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _measure(args: argparse.Namespace, cases: list[str], runs: int, tool: list[str]) -> int:

    compile_package()
    # One untimed start: checks that the tool runs at all.
    try:
        check(run_once([*tool, "--help"], args.timeout), "backprop-tutor", [*tool, "--help"])
    except CaseFailed as exc:
        print(f"\ncannot start the tool with `{shlex.join(tool)} --help`: {exc}", file=sys.stderr)
        print("Install the project (pip install -e .) or pass --tool CMD.", file=sys.stderr)
        return 2

    print_machine(tool, runs)
    print("Times are medians of wall seconds per process; ratio = median of tool/reference")
    print("over the pairs (smallest–largest in brackets); peak MB = largest resident set")
    print("of tool / reference.\n")
    main = [c for c in cases if c in TARGETS]
    failures = main_rows(main, tool, runs, args.timeout) if main else 0
    setup = [c for c in cases if c in SETUP_CASES]
    if setup:
        failures += setup_rows(setup, tool, runs, args.timeout)
    grading = [c for c in cases if c in GRADE_CASES]
    if grading:
        failures += grading_rows(grading, tool, runs, args.timeout)
    if failures:
        print(f"\n{failures} case(s) failed or disagreed with the reference; see above.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
