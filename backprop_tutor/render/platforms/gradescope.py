"""A Gradescope autograder: the zip Gradescope's autograder specification asks for.

``setup.sh`` (run once when the image is built) installs this tool from the wheel in the zip;
``run_autograder`` (run per submission) finds the student's answer sheet in
``/autograder/submission``, grades it with ``backprop-tutor grade --format gradescope`` against
the scenario (or the folder of variants) in ``/autograder/source``, and writes
``/autograder/results/results.json``. Its paths can be moved with environment variables
(AUTOGRADER_ROOT, AUTOGRADER_SUBMISSION, AUTOGRADER_RESULTS, BACKPROP_TUTOR) to try it outside
Gradescope.
"""

from __future__ import annotations

import io
import shlex
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ...errors import InputError
from ...grading.tolerance import Tolerance
from .exercise import Exercise

_EPOCH = (2026, 1, 1, 0, 0, 0)

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update
    apt-get install -y python3 python3-pip
fi
# this tool, from the wheel built when the autograder was exported (its dependencies from PyPI)
python3 -m pip install --no-cache-dir wheels/*.whl || \\
    python3 -m pip install --no-cache-dir --break-system-packages wheels/*.whl
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this per submission: grade the answer sheet, write results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
SUBMISSION="${{AUTOGRADER_SUBMISSION:-$ROOT/submission}}"
RESULTS="${{AUTOGRADER_RESULTS:-$ROOT/results}}"
TUTOR="${{BACKPROP_TUTOR:-backprop-tutor}}"
mkdir -p "$RESULTS"

fail() {{  # a results.json of 0 points that says why (the message is this script's own)
    printf '{{"score": 0.0, "output": "error: %s", "tests": []}}\\n' "$1" \\
        > "$RESULTS/results.json"
    exit 0
}}

# the answer sheet: the one .yaml, .yml or .json file of the submission
mapfile -d '' sheets < <(find "$SUBMISSION" -type f \\( -iname '*.yaml' -o -iname '*.yml' \\
    -o -iname '*.json' \\) ! -name 'submission_metadata.json' -print0 2>/dev/null)
if [ "${{#sheets[@]}}" -eq 0 ]; then
    fail "no answer sheet in the submission: upload one .yaml or .json file"
fi
if [ "${{#sheets[@]}}" -gt 1 ]; then
    fail "several answer sheets in the submission: upload exactly one .yaml or .json file"
fi

# grade writes results.json for a sheet it cannot read too (0 points, and why), then exits 2
"$TUTOR" grade "$SOURCE"/{scenario} "${{sheets[0]}}" --format gradescope {options} \\
    -o "$RESULTS/results.json" 2> "$RESULTS/grade.log"
status=$?
if [ ! -s "$RESULTS/results.json" ]; then
    fail "the sheet could not be graded (status $status)"
fi
exit 0
"""


def build_wheel() -> Path:
    """A wheel of this tool built from its source (``pip wheel --no-deps``); InputError where
    the source is not at hand (an installed copy without it)."""
    root = Path(__file__).resolve().parents[3]
    if not (root / "pyproject.toml").is_file():
        raise InputError("cannot build a wheel of backprop-tutor: its source folder (with "
                         "pyproject.toml) is not where this copy runs from; build one in a "
                         "checkout with 'pip wheel --no-deps .' and pass it with --wheel")
    out = Path(tempfile.mkdtemp(prefix="backprop-tutor-wheel-"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(root)],
                          capture_output=True, text=True, check=False)
    wheels = sorted(out.glob("backprop_tutor-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        errors = [line.strip() for line in done.stderr.splitlines()
                  if line.strip().lower().startswith("error")]
        reason = errors[0] if errors else "no wheel was made"
        raise InputError(f"cannot build a wheel of backprop-tutor ({reason}); build one "
                         "with 'pip wheel --no-deps' and pass it with --wheel")
    return wheels[0]


def run_autograder(scenario: str, *, reveal: str, tolerance: Tolerance, ecf_credit: float,
                   asks: Sequence[str] | None) -> str:
    """The run_autograder script for a scenario path under the source folder."""
    options = ["--reveal", reveal, "--rel-tol", repr(tolerance.rel), "--abs-tol",
               repr(tolerance.abs), "--ecf-credit", repr(ecf_credit)]
    if asks is not None:
        options += ["--only", ",".join(asks)]
    return RUN.format(scenario=shlex.quote(scenario),
                      options=" ".join(shlex.quote(o) for o in options))


def autograder_zip(exercises: Sequence[Exercise], source: Path, wheel: Path, *, reveal: str,
                   ecf_credit: float, tolerance: Tolerance, asks: Sequence[str] | None) -> bytes:
    """The autograder zip: setup.sh, run_autograder, the scenario (or its variants), the wheel.

    ``asks`` are the addresses the exercise asks (None: every quantity): a sheet is marked on
    those, whatever its own ``asks`` says.
    """
    files: list[tuple[str, bytes, int]] = [("setup.sh", SETUP.encode(), 0o755)]
    if exercises[0].variant is None:
        scenario = exercises[0].scenario_name
        files.append((scenario, exercises[0].scenario_text.encode(), 0o644))
    else:
        scenario = "variants"
        files += [(f"variants/{e.variant}.yaml", e.scenario_text.encode(), 0o644)
                  for e in exercises]
    files.append(("run_autograder", run_autograder(scenario, reveal=reveal, tolerance=tolerance,
                                                   ecf_credit=ecf_credit, asks=asks).encode(),
                  0o755))
    files.append((f"wheels/{wheel.name}", wheel.read_bytes(), 0o644))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in files:
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = (0o100000 | mode) << 16
            archive.writestr(entry, data)
    return buffer.getvalue()

