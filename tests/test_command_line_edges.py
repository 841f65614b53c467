"""The command line at its edges: mistyped options, closed or full outputs, inputs that are not
files, hostile text on a sheet, signals. Each ends in one plain line and a documented status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer

from backprop_tutor.cli.boundary import error_boundary
from backprop_tutor.errors import ExitCode

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def tool(*args: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "backprop_tutor", *args], stderr=subprocess.PIPE,
                          text=True, timeout=timeout, **kw)


@pytest.mark.parametrize(("args", "says"), [
    (["run", "two_neuron", "--width", "30"], "run: Invalid value for '--width'"),
    (["run", "two_neuron", "--precision", "0"], "Invalid value for '--precision'"),
    (["schema", "foo"], "schema: Invalid value for 'document'"),
    (["run"], "run: Missing argument 'scenario'"),
    (["bogus"], "No such command 'bogus'"),
    (["run", "two_neuron", "--bogus"], "No such option: --bogus"),
    (["grade", "two_neuron", "x.yaml", "--rel-tol", "inf"], "Invalid value for '--rel-tol'"),
    (["grade", "two_neuron", "x.yaml", "--points", "1e308"], "Invalid value for '--points'"),
    (["new", "-o", "n.yaml", "--seed", "-1"], "Invalid value for '--seed'"),
    (["variants", "two_neuron", "-o", "v", "--seed", "-1"], "Invalid value for '--seed'"),
])
def test_a_mistyped_command_line_is_one_line_and_status_2(args, says, tmp_path):
    done = tool(*args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0]
    assert "--help" in lines[0] and "╭" not in done.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_no_command_shows_the_overview():
    done = tool()
    assert done.returncode == 0 and "Commands" in done.stdout


@pytest.mark.parametrize("args", [["run", "two_neuron"], ["run", "two_neuron", "--json"],
                                  ["worksheet", "two_neuron"], ["validate", "two_neuron"]])
def test_a_closed_stdout_is_one_line_and_status_74(args):
    done = tool(*args, stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    assert done.returncode == ExitCode.CANNOT_WRITE == 74
    assert done.stderr == "error: cannot write the output: standard output is closed\n"


def test_a_broken_pipe_ends_quietly_with_128_plus_sigpipe():
    with pytest.raises(typer.Exit) as ended, error_boundary():
        raise BrokenPipeError(32, "Broken pipe")
    assert ended.value.exit_code == ExitCode.BROKEN_PIPE == 141


@pytest.mark.parametrize("args", [["run", "xor", "--json"],
                                  ["run", "deep_tanh", "--iterations", "30", "--width", "80"]])
def test_a_reader_that_goes_away_mid_output_is_status_141(args):
    """A reader that stops after a few bytes (``| head -c 100``) of an output larger than the
    pipe holds: the tool says nothing and ends with 141, as once it ended with 0 or 1 having
    written only part of it."""
    process = subprocess.Popen([sys.executable, "-m", "backprop_tutor", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert len(process.stdout.read(100)) == 100
    process.stdout.close()
    process.wait(timeout=120)
    assert process.returncode == ExitCode.BROKEN_PIPE == 141
    assert process.stderr.read() == b""
    process.stderr.close()


@pytest.mark.parametrize("args", [["run", "xor", "--json"], ["run", "xor"]])
def test_a_full_disk_is_one_line_once(args):
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        done = tool(*args, stdout=full)
    assert done.returncode == ExitCode.CANNOT_WRITE == 74
    assert done.stderr == "error: cannot write the output: No space left on device\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_inputs_that_are_not_files_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "sheet.yaml"
    os.mkfifo(fifo)
    done = tool("grade", "two_neuron", str(fifo), timeout=30)
    assert done.returncode == 2
    assert "it is a named pipe (FIFO), not a regular file" in done.stderr
    done = tool("run", str(fifo), timeout=30)
    assert done.returncode == 2
    assert done.stderr == f"error: {fifo} is a named pipe (FIFO), not a scenario file\n"


def test_a_sheet_through_a_pipe_is_refused_not_read_twice(tmp_path):
    # read twice, 'dE/dw1: 0.0010' lost its written precision; a pipe is now refused outright
    sheet = tmp_path / "s.yaml"
    sheet.write_text("answers:\n  dE/dw1: 0.0010\n", encoding="utf-8")
    done = subprocess.run(f"{sys.executable} -m backprop_tutor grade two_neuron <(cat {sheet})",
                          shell=True, executable="/bin/bash", capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "named pipe" in done.stderr
    done = tool("grade", "two_neuron", str(sheet))
    assert "correct" in [line for line in done.stdout.splitlines() if "∂E/∂w1 " in line][0]


def test_control_characters_on_a_sheet_never_reach_the_terminal(tmp_path):
    sheet = tmp_path / "s.yaml"
    sheet.write_text('student: "\\x1b[2Jbob\\n\\nbob  26/26 (100%)"\nanswers:\n'
                     '  "z1\\x1b[31m": 0.4\n  a1: 0.6023\n', encoding="utf-8")
    done = tool("grade", "two_neuron", str(sheet), "--width", "200")
    assert "\x1b" not in done.stdout
    assert done.stdout.splitlines()[0].startswith("\\x1b[2Jbob\\n\\nbob  26/26 (100%)  (")
    assert "z1\\x1b[31m" in done.stdout


def test_an_iteration_the_scenario_does_not_run_names_the_sheet_and_line(tmp_path):
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text("iteration: 5\nanswers:\n  z1: 0.415\n", encoding="utf-8")
    good.write_text("answers:\n  z1: 0.415\n", encoding="utf-8")
    done = tool("grade", "two_neuron", str(bad), str(good))
    assert done.returncode == 2
    assert done.stderr == (f"error: {bad}:1:12: iteration: the sheet asks for iteration 5, "
                           "but the scenario runs 1\n")
    assert "1 sheet graded, 1 not graded" in done.stdout


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="needs SIGTERM")
def test_a_sigterm_the_tool_was_started_ignoring_stays_ignored():
    process = subprocess.Popen(
        [sys.executable, "-m", "backprop_tutor", "practice", "two_neuron"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
    try:
        assert process.stdout.readline()  # the practice session has started
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert process.poll() is None  # still running: the signal stays ignored
        out, _ = process.communicate("q\n", timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_variants_leaves_no_folder_and_no_temporary_files(tmp_path, stop):
    process = subprocess.Popen([sys.executable, "-m", "backprop_tutor", "variants", "two_neuron",
                                "--count", "999", "-o", str(tmp_path / "v")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):  # writing now
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(stop)
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + stop
    assert list(tmp_path.iterdir()) == []


def test_variants_never_mix_with_files_already_in_a_folder(tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "alice.sheet.yaml").write_text("answers: {z1: 0.4}\n")
    done = tool("variants", "two_neuron", "--count", "2", "-o", str(folder))
    assert done.returncode == 2 and "already holds files" in done.stderr
    assert [p.name for p in folder.iterdir()] == ["alice.sheet.yaml"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert tool("variants", "two_neuron", "--count", "2", "-o", str(empty)).returncode == 0
    assert len(list(empty.iterdir())) == 4


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["run", "--help"]])
def test_help_and_version_to_a_closed_stdout_are_one_line_and_status_74(args):
    done = tool(*args, stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    assert done.returncode == 74
    assert done.stderr == "error: cannot write the output: standard output is closed\n"


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="needs /dev/full")
def test_help_to_a_full_disk_is_one_line_and_status_74():
    with open("/dev/full", "w") as full:
        done = tool("grade", "--help", stdout=full)
    assert done.returncode == 74
    assert done.stderr == "error: cannot write the output: No space left on device\n"


def test_explain_with_json_is_refused_not_ignored():
    done = tool("run", "two_neuron", "--json", "--explain", "w1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: --json: --explain shows one parameter's chain in the "
                           "terminal; it does not go with --json, which has every factor's "
                           "chain\n")
