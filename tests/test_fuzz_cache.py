"""Fuzzing the derivation cache: whatever an entry holds, a run ends with exit 0, the numbers of
a run without the cache, and well within 10 seconds.

An entry's printed forms are text, not numbers (docs/errors.md): an edited one may change how a
formula is written, so the terminal view is compared by its numbers and the JSON document
without its factors' printed expressions; the grades document is compared whole.

Each entry a run and a grading write (kernels, chains, the worked solution as text and as code)
is mutated at random: bytes flipped, cut or inserted, and kernel and formula sources replaced by
generated expressions (huge powers and lists, divisions by zero, tuples, names, calls).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backprop_tutor.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHEET = "answers:\n  z1: 0.5\n  a1: 0.6225\n  z2: 0.9\n  dE/da2: 0.3\n  dE/dw2: 0.05\n"
LIMIT = 10.0
FUZZ = settings(max_examples=30, deadline=timedelta(seconds=LIMIT),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _invoke(args: list[str], folder: Path | None, monkeypatch) -> str:
    if folder is None:
        monkeypatch.setenv("BACKPROP_TUTOR_NO_CACHE", "1")
    else:
        monkeypatch.delenv("BACKPROP_TUTOR_NO_CACHE", raising=False)
        monkeypatch.setenv("BACKPROP_TUTOR_CACHE_DIR", str(folder))
    started = time.monotonic()
    result = CliRunner().invoke(app, args)
    assert time.monotonic() - started < LIMIT
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    return result.stdout


@pytest.fixture(scope="module")
def sheet() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-cache-sheet-"))
    path = folder / "sheet.yaml"
    path.write_text(SHEET, encoding="utf-8")
    return path


def _commands(sheet: Path) -> list[list[str]]:
    return [["run", str(SCENARIOS / "two_neuron.yaml"), "--json"],
            ["run", str(SCENARIOS / "two_neuron.yaml"), "--no-color", "--width", "100"],
            ["grade", str(SCENARIOS / "two_neuron.yaml"), str(sheet), "--format", "json"]]


@pytest.fixture(scope="module")
def expected(sheet) -> list[str]:
    mp = pytest.MonkeyPatch()
    try:
        return [_invoke(args, None, mp) for args in _commands(sheet)]
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def entries(sheet, expected) -> dict[str, bytes]:
    """Each entry the commands write, as the tool wrote it."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-cache-"))
    mp = pytest.MonkeyPatch()
    try:
        for args, output in zip(_commands(sheet), expected, strict=True):
            assert _invoke(args, folder, mp) == output
    finally:
        mp.undo()
    found = {p.name: p.read_bytes() for p in folder.glob("*.json")}
    assert sorted(name.rsplit("-", 1)[0] for name in found) == [
        "json-layout", "kernels", "worked-code", "worked-text"]
    return found


ATOMS = st.sampled_from(["z", "a", "T", "v0", "v1", "v2", "nan", "inf", "1", "0", "2.5", "1e308",
                         "9", "True", "'x'", "[1.0]", "(1, 2)", "os", "__import__"])
OPS = st.sampled_from(["+", "-", "*", "/", "**", "%", "//"])
CALLS = st.sampled_from(["exp", "log", "amax", "select", "reduce", "sqrt", "where", "open",
                         "logical_and.reduce", "maximum"])


def _expression() -> st.SearchStrategy[str]:
    return st.recursive(
        ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, OPS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(CALLS, st.lists(inner, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
            inner.map(lambda x: f"-{x}"),
            inner.map(lambda x: f"{x}**9**9**9"),
            inner.map(lambda x: f"{x}*(10**9)")),
        max_leaves=12)


def _replace_sources(data, sources: list[str]) -> object:
    """The entry's data with each string that is a kernel or formula source (a string after a
    list of names) taken in turn from ``sources``."""
    if isinstance(data, list):
        if len(data) == 2 and isinstance(data[0], list) and isinstance(data[1], str) and sources:
            return [data[0], sources.pop()]
        return [_replace_sources(item, sources) for item in data]
    if isinstance(data, dict):
        return {k: _replace_sources(v, sources) for k, v in data.items()}
    return data


@st.composite
def mutated(draw, entries: dict[str, bytes]) -> dict[str, bytes]:
    out = dict(entries)
    name = draw(st.sampled_from(sorted(entries)))
    raw = entries[name]
    how = draw(st.sampled_from(["flip", "cut", "insert", "sources"]))
    if how == "flip":
        at = draw(st.integers(0, len(raw) - 1))
        bit = draw(st.integers(0, 7))
        out[name] = raw[:at] + bytes([raw[at] ^ (1 << bit)]) + raw[at + 1:]
    elif how == "cut":
        start = draw(st.integers(0, len(raw) - 1))
        out[name] = raw[:start] + raw[draw(st.integers(start, len(raw))):]
    elif how == "insert":
        at = draw(st.integers(0, len(raw)))
        out[name] = raw[:at] + draw(st.binary(max_size=40)) + raw[at:]
    else:
        entry = json.loads(raw)
        sources = draw(st.lists(_expression(), min_size=1, max_size=4))
        entry["data"] = _replace_sources(entry["data"], sources)
        out[name] = json.dumps(entry).encode()
    return out


def _numbers(command: int, output: str) -> object:
    """What an output says that no printed form of the cache may change."""
    if command == 1:  # the terminal view: its decimal numbers, in order
        return re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", output)
    document = json.loads(output)
    if command == 0:
        for factor in document["factors"].values():
            factor.pop("expression")
            factor.pop("latex")
    return document


@pytest.mark.parametrize("command", [0, 1, 2], ids=["run --json", "run", "grade"])
def test_a_mutated_entry_changes_nothing(command, sheet, expected, entries, monkeypatch):
    args = _commands(sheet)[command]

    @FUZZ
    @given(data=st.data())
    def one(data):
        files = data.draw(mutated(entries))
        with tempfile.TemporaryDirectory(prefix="fuzz-cache-") as where:
            folder = Path(where)
            os.chmod(folder, 0o700)
            for name, content in files.items():
                (folder / name).write_bytes(content)
            got = _invoke(args, folder, monkeypatch)
            assert _numbers(command, got) == _numbers(command, expected[command])

    one()
