"""Ctrl-C and termination: exit 130 (143) with no traceback, and no half-written files."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.cli import app
from backprop_tutor.errors import InputError
from backprop_tutor.files import atomic_write

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# 100 samples one at a time for 1,000 epochs: 100,000 updates, many seconds of training
LONG = """\
inputs: 2
layers:
  - units: 3
  - units: 1
data:
{data}
mode: stochastic
learning_rate: 0.01
epochs: 1000
init: {{seed: 3}}
"""
# Started this way, "ready" is printed once the command line is about to run: from then on,
# an interruption at any moment must end the process cleanly.
STARTER = ("import sys; from backprop_tutor.cli import main; sys.argv = ['backprop-tutor', "
           "*sys.argv[1:]]; print('ready', file=sys.stderr, flush=True); main()")
# The console script's own entry point (launch.py), as `backprop-tutor` starts it.
LAUNCHER = STARTER.replace("backprop_tutor.cli import main", "backprop_tutor.launch import main")


def long_scenario(folder: Path) -> Path:
    data = "\n".join(f"  - {{inputs: [{n / 100}, {1 - n / 100}], targets: [{n % 2}]}}"
                     for n in range(100))
    path = folder / "long.yaml"
    path.write_text(LONG.format(data=data), encoding="utf-8")
    return path


def start(args: list[str], cwd: Path, starter: str = STARTER,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", starter, *args], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr.readline() == "ready\n"
    return process


def wait_until_training(process: subprocess.Popen, cache: Path, timeout: float = 120) -> None:
    """Wait until the run has derived and stored its kernels: the step before training.

    The scenario then still has all its 100,000 updates to make, so the signal sent next
    arrives while it trains, however loaded the machine is.
    """
    end = time.monotonic() + timeout
    while not any(cache.glob("kernels-*.json")):
        if process.poll() is not None or time.monotonic() > end:
            process.kill()
            stdout, stderr = process.communicate()
            raise AssertionError(f"training never started (status {process.returncode}): "
                                 f"{stderr[-500:]!r}")
        time.sleep(0.01)


@pytest.mark.parametrize("starter", [STARTER, LAUNCHER], ids=["cli", "console-script"])
@pytest.mark.parametrize(("signum", "status", "said"),
                         [(signal.SIGINT, 130, "interrupted\n"), (signal.SIGTERM, 143, "")])
def test_a_long_run_ends_cleanly(tmp_path, tmp_path_factory, signum, status, said, starter):
    scenario = long_scenario(tmp_path)
    cache = tmp_path_factory.mktemp("cache")  # empty: the kernels are derived, then stored
    env = {**os.environ, "BACKPROP_TUTOR_CACHE_DIR": str(cache)}
    env.pop("BACKPROP_TUTOR_NO_CACHE", None)
    process = start(["run", str(scenario), "--json", "--dot", "graph.dot"], tmp_path, starter,
                    env)
    try:
        wait_until_training(process, cache)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == status
    assert stdout == ""
    assert "Traceback" not in stderr
    assert stderr == said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"]


def _read_until(fd: int, text: bytes, timeout: float = 60) -> bytes:
    seen = b""
    end = time.monotonic() + timeout
    while text not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {text!r} in {seen[-500:]!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    return seen


@pytest.mark.parametrize(("args", "prompt"), [
    (["practice", "two_neuron", "--no-color"], b"z1 = "),
    (["run", "two_neuron", "--step", "--no-color", "--epochs", "3"], b"Enter: next"),
])
def test_interactive_modes_end_cleanly(args, prompt):
    pty = pytest.importorskip("pty")
    main, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "backprop_tutor", *args],
                               stdin=secondary, stdout=secondary, stderr=secondary)
    os.close(secondary)
    try:
        _read_until(main, prompt)
        process.send_signal(signal.SIGINT)
        rest = _read_until(main, b"interrupted")
        assert process.wait(timeout=60) == 130
        assert b"Traceback" not in rest
    finally:
        process.kill()
        process.wait()
        os.close(main)


# --- atomic writes ------------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    original = os.fdopen

    def failing(fd, *args, **kwargs):
        handle = original(fd, *args, **kwargs)

        def write(data):
            raise Boom

        handle.write = write
        return handle

    monkeypatch.setattr(os, "fdopen", failing)
    with pytest.raises(Boom):
        atomic_write(tmp_path / "out.txt", "text")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_written_file_has_ordinary_permissions(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write(target, "text")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    target.chmod(0o640)
    atomic_write(target, b"bytes")
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_bytes() == b"bytes"


def test_unwritable_targets_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="it is a folder"):
        atomic_write(tmp_path, "text")
    with pytest.raises(InputError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "out.txt", "text")


def test_a_failed_run_writes_no_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: 1\nlayers: []\n", encoding="utf-8")
    out = tmp_path / "graph.dot"
    result = CliRunner().invoke(app, ["run", str(bad), "--json", "--dot", str(out)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_a_failed_grade_writes_no_file(tmp_path):
    scenario = tmp_path / "net.yaml"
    scenario.write_text("inputs: 1\ninputs: 2\n", encoding="utf-8")
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("answers: {z1: 0.1}\n", encoding="utf-8")
    out = tmp_path / "grades.json"
    result = CliRunner().invoke(app, ["grade", str(scenario), str(sheet), "--format", "json",
                                      "-o", str(out)])
    assert result.exit_code == 2
    assert "duplicate key 'inputs'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.yaml", "sheet.yaml"]


def test_an_unreadable_sheet_is_written_whole_into_the_grades(tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("answers: {z1: 0.1}\nanswers: {}\n", encoding="utf-8")
    out = tmp_path / "grades.json"
    result = CliRunner().invoke(app, ["grade", "two_neuron", str(sheet), "--format", "json",
                                      "-o", str(out)])
    assert result.exit_code == 2
    assert "duplicate key 'answers'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.json", "sheet.yaml"]
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["sheets"] == []
    assert "duplicate key 'answers'" in document["unreadable"][0]["error"]


# While the tool is still importing, the launcher's handler is in place: sent to itself at
# that moment, a signal must end the process as a later one does, without Python's traceback.
STARTING = ("import os, signal, sys, time; from backprop_tutor.launch import quiet_start; "
            "quiet_start(); os.kill(os.getpid(), getattr(signal, sys.argv[1])); time.sleep(30)")


@pytest.mark.parametrize(("name", "status", "said"),
                         [("SIGINT", 130, "interrupted\n"), ("SIGTERM", 143, "")])
def test_a_signal_while_starting_ends_quietly(name, status, said):
    done = subprocess.run([sys.executable, "-c", STARTING, name], capture_output=True,
                          text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (status, "", said)


def test_a_signal_ignored_by_the_caller_stays_ignored():
    code = ("import signal; from backprop_tutor.launch import quiet_start; quiet_start(); "
            "print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert done.stdout.strip() == "True"


class Stop(BaseException):
    pass


def test_held_signals_are_delivered_when_the_block_ends():
    from backprop_tutor.signals import held_signals

    def stop(signum, frame):
        raise Stop

    before = signal.signal(signal.SIGTERM, stop)
    reached = False
    try:
        with pytest.raises(Stop):
            with held_signals():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):  # room for the handler to run if it were not held
                    pass
                reached = True
        assert signal.getsignal(signal.SIGTERM) is stop
    finally:
        signal.signal(signal.SIGTERM, before)
    assert reached


# Sends SIGTERM at the k-th abc registration made while numpy.random is first imported: the
# moment numpy.random's compiled module discards exceptions raised by a signal handler.
DURING_NUMPY_RANDOM = """\
import abc, os, signal, sys
import numpy
from backprop_tutor.signals import numpy_random
class Stop(BaseException):
    pass
def stop(signum, frame):
    raise Stop
signal.signal(signal.SIGTERM, stop)
k, calls, register = int(sys.argv[1]), [0], abc.ABCMeta.register
def registering(cls, subclass):
    calls[0] += 1
    if calls[0] == k:
        os.kill(os.getpid(), signal.SIGTERM)
    return register(cls, subclass)
abc.ABCMeta.register = registering
try:
    numpy_random()
except Stop:
    print("delivered")
else:
    print("lost" if calls[0] >= k else f"only {calls[0]}")
"""


def test_a_signal_during_the_numpy_random_import_is_not_lost():
    tried = 0
    for k in range(1, 50):
        said = subprocess.run([sys.executable, "-c", DURING_NUMPY_RANDOM, str(k)],
                              capture_output=True, text=True, timeout=60).stdout.strip()
        if said.startswith("only"):
            break
        assert said == "delivered", f"registration {k}: {said}"
        tried += 1
    if not tried:
        pytest.skip("this numpy.random registers no types while it is imported")
