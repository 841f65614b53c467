"""The derivation cache saves time and nothing else: every output is the same with or without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tool_env import tool_env

from backprop_tutor.examples import network_names
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.solution import cache

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

SHIPPED = sorted(p for p in SCENARIOS.glob("*.yaml") if p.stem in network_names())


def _tool(args: list[str], cache_dir: Path | None, *, check: bool = True) -> str:
    env = tool_env(cache_dir)
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", *args], env=env,
                          capture_output=True, text=True, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_json_is_the_same_derived_cached_and_uncached(path, tmp_path):
    args = ["run", str(path), "--json", "--iterations", "2"]
    cold = _tool(args, tmp_path)
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.json")) == ["json", "kernels"]
    warm = _tool(args, tmp_path)
    assert warm == cold
    assert _tool(args, None) == cold


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_terminal_view_is_the_same_cached_and_uncached(path, tmp_path):
    args = ["run", str(path), "--no-color", "--width", "100", "--iterations", "2"]
    cold = _tool(args, tmp_path)
    assert "worked" in _entries(tmp_path)
    assert _tool(args, tmp_path) == cold
    assert _tool(args, None) == cold


def _imports_sympy(args: list[str], cache_dir: Path) -> bool:
    code = ("import sys, contextlib, io\n"
            "from backprop_tutor.cli import main\n"
            f"sys.argv = ['backprop-tutor', *{args!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main()\n    except SystemExit:\n        pass\n"
            "print('sympy' in sys.modules)\n")
    env = {**os.environ, "BACKPROP_TUTOR_CACHE_DIR": str(cache_dir)}
    env.pop("BACKPROP_TUTOR_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.parametrize("view", [["--json"], []], ids=["json", "terminal"])
def test_a_cached_run_does_not_import_sympy(view, tmp_path):
    args = ["run", str(SCENARIOS / "xor.yaml"), *view]
    assert _imports_sympy(args, tmp_path)  # the first run derives
    assert not _imports_sympy(args, tmp_path)


def test_explaining_a_parameter_derives_it(tmp_path):
    args = ["run", str(SCENARIOS / "xor.yaml"), "--explain", "w111"]
    assert _imports_sympy(args, tmp_path)  # the first run derives
    assert not _imports_sympy(args, tmp_path)  # --explain reads the same worked solution


def test_a_tampered_terminal_entry_shows_the_same_lines(tmp_path):
    args = ["run", str(SCENARIOS / "house_price.yaml"), "--no-color", "--width", "100"]
    cold = _tool(args, tmp_path)
    path = _entries(tmp_path)["worked"]
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["data"][0][1] = "z99"  # a unit the network does not have
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(args, tmp_path) == cold
    entry["data"][0][0] = "elsewhere"  # not a section: the entry is derived again
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(args, tmp_path) == cold


def _text(learning_rate: float = 0.5, activation: str = "sigmoid", weight: float = 0.1,
          title: str = "a") -> str:
    return f"""
title: {title}
inputs: 1
layers:
- units: 1
  activation: {activation}
  weights: [[{weight}]]
  biases: [0.2]
data:
- inputs: [1.0]
  targets: [0.5]
learning_rate: {learning_rate}
"""


def test_the_key_is_the_network_not_its_numbers():
    base = cache.structure(scenario_from_text(_text(), "a.yaml"))
    same = scenario_from_text(_text(learning_rate=0.1, weight=0.7, title="b"), "b.yaml")
    assert cache.structure(same) == base
    other = scenario_from_text(_text(activation="tanh"), "c.yaml")
    assert cache.structure(other) != base


def _entries(folder: Path) -> dict[str, Path]:
    return {p.name.split("-")[0]: p for p in folder.glob("*.json")}


def test_a_damaged_entry_is_derived_again(tmp_path):
    args = ["run", str(SCENARIOS / "two_neuron.yaml"), "--json"]
    cold = _tool(args, tmp_path)
    for path in _entries(tmp_path).values():
        path.write_text('{"key": ', encoding="utf-8")
    assert _tool(args, tmp_path) == cold
    for path in _entries(tmp_path).values():
        json.loads(path.read_text(encoding="utf-8"))  # rewritten whole


def test_a_tampered_kernel_is_never_run(tmp_path):
    args = ["run", str(SCENARIOS / "two_neuron.yaml"), "--json"]
    cold = _tool(args, tmp_path)
    marker = tmp_path / "ran"
    path = _entries(tmp_path)["kernels"]
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["data"]["layers"][0][1][1] = f"__import__('os').system('touch {marker}')"
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(args, tmp_path) == cold
    assert not marker.exists()


def test_a_changed_printed_form_is_only_text_and_entries_are_checked(tmp_path):
    args = ["run", str(SCENARIOS / "two_neuron.yaml"), "--json"]
    cold = _tool(args, tmp_path)
    path = _entries(tmp_path)["json"]
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["data"]["gradients"]["w1"]["paths"] = [["not-a-factor"]]
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(args, tmp_path) == cold  # a chain naming an unknown factor: derived again
    entry = json.loads(path.read_text(encoding="utf-8"))  # written again, whole
    entry["data"]["factors"]["dE/da2"]["latex"] = 2
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(args, tmp_path) == cold  # a printed form that is not text: derived again


def test_an_unwritable_folder_only_means_no_cache(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    args = ["run", str(SCENARIOS / "two_neuron.yaml"), "--json"]
    assert _tool(args, blocked / "cache") == _tool(args, None)


def test_turned_off_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_TUTOR_NO_CACHE", "1")
    monkeypatch.setenv("BACKPROP_TUTOR_CACHE_DIR", str(tmp_path))
    assert cache.folder() is None
    calls = []
    assert cache.cached("kernels", scenario_from_text(_text(), "a.yaml"),
                        lambda: calls.append(1) or {"x": 1}, lambda d: d) == {"x": 1}
    assert calls == [1] and not list(tmp_path.iterdir())


def test_the_oldest_entries_go_beyond_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_TUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for n in range(5):
        scenario = scenario_from_text(_text(activation=["sigmoid", "tanh", "relu", "linear",
                                                        "softplus"][n]), "a.yaml")
        cache.cached("kernels", scenario, lambda n=n: {"n": n}, lambda d: d)
        os.utime(cache._entry_path(tmp_path, "kernels", cache._key("kernels", scenario)),
                 ns=(n * 10**9, n * 10**9))
    kept = sorted(json.loads(p.read_text(encoding="utf-8"))["data"]["n"]
                  for p in tmp_path.glob("*.json"))
    assert len(kept) == 3 and kept[-1] == 4


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux (XDG) locations")
def test_the_folder_follows_the_platform_conventions(monkeypatch, tmp_path):
    monkeypatch.delenv("BACKPROP_TUTOR_CACHE_DIR", raising=False)
    monkeypatch.delenv("BACKPROP_TUTOR_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.folder() == tmp_path / "backprop-tutor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.folder() == tmp_path / "home" / ".cache" / "backprop-tutor"
    monkeypatch.setenv("BACKPROP_TUTOR_NO_CACHE", "0")
    assert cache.folder() is not None  # "0" does not turn it off
    monkeypatch.setenv("BACKPROP_TUTOR_CACHE_DIR", str(tmp_path / "chosen"))
    assert cache.folder() == tmp_path / "chosen"
    monkeypatch.setenv("BACKPROP_TUTOR_NO_CACHE", "1")
    assert cache.folder() is None


@pytest.mark.skipif(sys.platform != "linux", reason="a home folder found through HOME or pwd")
def test_without_a_home_folder_there_is_no_cache(monkeypatch):
    import pwd

    monkeypatch.delenv("BACKPROP_TUTOR_CACHE_DIR", raising=False)
    monkeypatch.delenv("BACKPROP_TUTOR_NO_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("HOME", raising=False)

    def no_user(uid: int):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", no_user)  # a user without a passwd entry
    assert cache.folder() is None
