"""Fuzzing the command line's options: whatever a user types after a command, the tool ends with
a result (0) or one plain line and status 2, within 10 seconds; never an internal error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHEET = "answers:\n  z1: 0.415\n  w1+: 0.15\n"

OPTIONS = {
    "run": ["--width", "--precision", "--iterations", "--epochs", "--explain", "--of", "--view",
            "--samples"],
    "grade": ["--rel-tol", "--abs-tol", "--ecf-credit", "--points", "--precision", "--reveal",
              "--format", "--only", "--width"],
    "worksheet": ["--format", "--only"],
    "key": ["--format", "--precision", "--view", "--samples"],
    "variants": ["--count", "--seed"],
    "new": ["--layers", "--activation", "--seed", "--samples", "--loss", "--learning-rate",
            "--epochs"],
    "export": ["--to", "--only", "--variants", "--seed", "--rel-tol"],
    "schema": [],
}
VALUES = st.one_of(
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["inf", "-inf", "nan", "1e308", "-1", "0", "", "two_neuron", "w1", "z1",
                     "forward", "json", "latex", "moodle", "key", "../x", "2,2,1", "\x1b[2J",
                     "matrix", "rows", "columns"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=12),
)


def command_line(tmp_path: Path, command: str, options: list[tuple[str, str]]) -> list[str]:
    sheet = tmp_path / "s.yaml"
    sheet.write_text(SHEET, encoding="utf-8")
    scenario = str(SCENARIOS / "two_neuron.yaml")
    head = {"run": ["run", scenario], "grade": ["grade", scenario, str(sheet)],
            "worksheet": ["worksheet", scenario], "key": ["key", scenario],
            "variants": ["variants", scenario, "-o", str(tmp_path / "v")],
            "new": ["new", "-o", str(tmp_path / "n.yaml")],
            "export": ["export", scenario, "-o", str(tmp_path / "e")],
            "schema": ["schema"]}[command]
    return [*head, *(part for option, value in options for part in (option, value))]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_options_end_in_a_result_or_one_line_within_10_seconds(tmp_path, data):
    command = data.draw(st.sampled_from(sorted(OPTIONS)), label="command")
    names = OPTIONS[command]
    options = data.draw(st.lists(st.tuples(st.sampled_from(names or ["--bogus"]), VALUES),
                                 max_size=3), label="options")
    args = command_line(tmp_path, command, options)
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", *args], capture_output=True,
                          text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert done.returncode in (0, 2), (args, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, args
    if done.returncode == 2:
        errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, (args, done.stderr)
