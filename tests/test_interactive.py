"""The interactive modes in a real pseudo-terminal: keys are typed and the screen is read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_tutor import api
from backprop_tutor.notation.numbers import number

pexpect = pytest.importorskip("pexpect")

TOOL = str(Path(sys.executable).parent / "backprop-tutor")
TIMEOUT = 120  # generous: only a hung program ever waits this long


def spawn(*args: str):
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100", "LINES": "50"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(TOOL, [*args, "--no-color", "--width", "100"], env=env,
                          encoding="utf-8", timeout=TIMEOUT, dimensions=(50, 100))
    return child


def finish(child) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_step_shows_one_iteration_at_a_time_and_q_quits():
    child = spawn("run", "house_price", "--step", "--epochs", "3")
    child.expect("Iteration 1 of 3")
    child.expect("iteration 1 of 3 · Enter: next · q: quit")
    assert "Iteration 2" not in child.before
    child.send("\r")
    child.expect(r"Iteration 2 of 3 \(epoch 2; sample 1\) · loss 0\.")
    child.expect("Enter: next")
    child.send("q")
    child.expect("stopped at iteration 2 of 3")
    assert finish(child) == 0


def test_step_to_the_end_shows_the_summary():
    run = api.run(api.load("two_neuron"), epochs=2, detail=2)
    child = spawn("run", "two_neuron", "--step", "--epochs", "2")
    child.expect("Iteration 1 of 2")
    child.expect("Enter: next")
    child.send(" ")
    child.expect(f"Iteration 2 of 2 .* loss {number(run.record(2).loss)}")
    child.expect("Final parameters")
    assert finish(child) == 0


def test_step_without_a_terminal_is_a_plain_run():
    def output(*extra: str) -> str:
        return subprocess.run([TOOL, "run", "two_neuron", "--epochs", "2", "--no-color",
                               "--width", "100", *extra], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=TIMEOUT,
                              check=True).stdout

    assert output("--step") == output()


def _answer(child) -> str:
    """Read the next prompt and return the quantity it asks for."""
    child.expect(r"\[\d+/\d+\] (\S+) = ")
    return child.match.group(1)


def test_practice_moves_on_when_right_and_hints_when_wrong():
    values = api.run(api.load("two_neuron")).values(1)
    child = spawn("practice", "two_neuron", "--only", "forward,loss")  # as worksheet --only
    child.expect("5 numbers in textbook order")
    asked = []
    while len(asked) < 5:
        name = _answer(child)
        asked.append(name)
        if name == "z2":
            child.sendline("0.8")
            child.expect(r"not quite\. z2 = w2·a1 \+ b2; try again")
            child.expect("z2 = ")
            child.sendline("0.9")
            child.expect(r"still not\. z2 = 0\.45 × 0\.6023 \+ 0\.65; one more try")
            child.expect("z2 = ")
        child.sendline(number(values[name], 5))
        child.expect("✓ right")
    assert asked == ["z1", "a1", "z2", "a2", "E"]
    child.expect(r"Score: 5 of 5 right \(4 at the first try, 1 after a hint; 0 missed\)")
    child.expect("To review:")
    child.expect(r"z2 = w2·a1 \+ b2  \(right at try 3")
    assert finish(child) == 0


def test_practice_reveals_after_three_misses_and_scores_it():
    values = api.run(api.load("two_neuron")).values(1)
    child = spawn("practice", "two_neuron", "--only", "updates")
    for _ in range(3):
        assert _answer(child) == "w2+"
        child.sendline("7")
    child.expect(f"it is {number(values['w2+'], 6)}; on to the next")
    assert _answer(child) == "b2+"
    child.sendline("not a number")
    child.expect("that is not a number")
    child.sendline("q")
    child.expect(r"stopped after 1 of 4")
    child.expect(r"Score: 0 of 4 right \(0 at the first try, 0 after a hint; 1 missed; "
                 r"3 not answered\)")
    child.expect("run two_neuron --explain w2")
    assert finish(child) == 0
