"""An output file never replaces what the command reads, nor a FIFO or a device."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()


@pytest.mark.parametrize("args", [
    ["key", "{s}", "-o", "{s}"],
    ["key", "{s}", "--format", "latex", "-o", "{s}"],
    ["worksheet", "{s}", "-o", "{s}"],
    ["run", "{s}", "--dot", "{s}"],
    ["run", "{s}", "--svg", "{s}"],
    ["run", "{s}", "--html", "{s}"],
], ids=["key", "key-latex", "worksheet", "dot", "svg", "html"])
def test_an_output_that_is_the_scenario_is_refused(tmp_path, args):
    scenario = tmp_path / "net.yaml"
    shutil.copy(SCENARIOS / "two_neuron.yaml", scenario)
    before = scenario.read_bytes()
    result = runner.invoke(app, [a.format(s=scenario) for a in args])
    assert result.exit_code == 2
    assert "is an input of this command" in result.stderr
    assert scenario.read_bytes() == before


def test_an_output_through_another_name_of_the_input_is_refused(tmp_path):
    scenario = tmp_path / "net.yaml"
    shutil.copy(SCENARIOS / "two_neuron.yaml", scenario)
    (tmp_path / "link.yaml").symlink_to(scenario)
    before = scenario.read_bytes()
    result = runner.invoke(app, ["key", str(scenario), "-o", str(tmp_path / "link.yaml")])
    assert result.exit_code == 2
    assert scenario.read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["key", "two_neuron", "-o", str(fifo)])
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr
    assert fifo.is_fifo()


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="needs /dev/full")
def test_a_full_output_is_one_plain_line_not_an_internal_error():
    import subprocess
    import sys

    command = [sys.executable, "-m", "backprop_tutor", "run", "two_neuron", "--json"]
    with open("/dev/full", "w") as full:
        done = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    assert done.returncode == 74
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot write the output: ")


def test_grades_are_never_written_over_a_sheet(tmp_path):
    sheet = tmp_path / "alice.yaml"
    sheet.write_text("scenario: two_neuron\nanswers:\n  z1: 0.415\n", encoding="utf-8")
    before = sheet.read_bytes()
    result = runner.invoke(app, ["grade", "two_neuron", str(sheet), "-o", str(sheet)])
    assert result.exit_code == 2
    assert "is an input of this command" in result.stderr
    assert sheet.read_bytes() == before
