"""The derivation cache only ever saves time: an entry edited, replaced or made hostile in any
way is ignored and derived again, and every run ends with exit 0, the numbers of a run without
the cache, and in well under 10 seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tool_env import tool_env

from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.solution import cache

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
RUN = ["run", str(SCENARIOS / "two_neuron.yaml"), "--json"]
LIMIT = 10.0  # seconds any run may take, whatever the cache holds


TINY = ("inputs: 1\nlayers: [{units: 1, weights: [[0.1]], biases: [0.2]}]\n"
        "data: [{inputs: [1], targets: [0]}]\nlearning_rate: 0.5\n")


def _tool(args: list[str], cache_dir: Path | None) -> str:
    env = tool_env(cache_dir)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=LIMIT)
    assert time.monotonic() - started < LIMIT
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def uncached() -> dict[str, str]:
    return {"json": _tool(RUN, None)}


def _entry(folder: Path, kind: str) -> Path:
    (path,) = folder.glob(f"{kind}-*.json")
    return path


def _edit_kernels(folder: Path, change) -> None:
    path = _entry(folder, "kernels")
    entry = json.loads(path.read_text(encoding="utf-8"))
    change(entry["data"])
    nested = "[" * 5000 + "]" * 5000  # deeper than Python's json reader goes
    path.write_text(json.dumps(entry).replace('"@nested@"', nested), encoding="utf-8")


def _set(where: tuple, source: str):
    def change(data):
        target = data
        for step in where:
            target = target[step]
        target[1] = source
    return change


# layers[0] = [f, f′], each [args, source]; loss = [term, derivative]
EDITS = {
    "derivative a*(1.01 - a)": _set(("layers", 0, 1), "a*(1.01 - a)"),
    "loss derivative times 1.5": _set(("loss", 1), "1.5*(-(T - a))"),
    "loss term changed": _set(("loss", 0), "(1/2)*(T - a)**2 + 0.1"),
    "function changed": _set(("layers", 1, 0), "(1 + exp(-1.001*z))**(-1.0)"),
    "changed away from the fixed points": _set(
        ("layers", 0, 1), "a*(1 - a) + select([greater(z, 0.4),True], [0.01,0], default=nan)"),
    "+ 0*9**9**9": _set(("layers", 0, 1), "a*(1 - a) + 0*9**9**9"),
    "+ 0*amax([1.0]*(10**9))": _set(("layers", 0, 1), "a*(1 - a) + 0*amax([1.0]*(10**9))"),
    "(1 + exp(-z))**(-1/0)": _set(("layers", 0, 0), "(1 + exp(-z))**(-1/0)"),
    "a tuple": _set(("layers", 0, 1), "(a*(1 - a), a)"),
    "a list": _set(("layers", 0, 1), "[a*(1 - a)]"),
    "writes into its argument": _set(("layers", 0, 1), "a*(1 - a) + 0*exp(z, out=z)"),
    "an attribute": _set(("layers", 0, 1), "a.__class__"),
    "a string": _set(("layers", 0, 1), "'a'"),
    "a number for a kernel": _set(("layers", 0), 3),
    "another loss scale": lambda data: data.__setitem__("loss_scale", 2.0),
    "softmax claimed": lambda data: data["layers"][1].__setitem__(0, None),
    "another activation's name": lambda data: data["activations"][0].__setitem__(0, "tanh"),
    "deeply nested data": lambda data: data.__setitem__("layers", "@nested@"),
}


@pytest.fixture
def warm(tmp_path, uncached) -> Path:
    assert _tool(RUN, tmp_path) == uncached["json"]
    return tmp_path


@pytest.mark.parametrize("edit", EDITS.values(), ids=list(EDITS))
def test_an_edited_kernel_changes_no_number(warm, uncached, edit):
    _edit_kernels(warm, edit)
    assert _tool(RUN, warm) == uncached["json"]
    # derived again and stored whole: the next run uses it
    assert _tool(RUN, warm) == uncached["json"]


@pytest.mark.parametrize("content", [
    "[" * 100_000 + "]" * 100_000,
    '{"key": ' * 50_000,
    "\x00" * 1000,
    "",
    "[1, 2, 3]",
], ids=["deeply nested list", "deeply nested object", "zeros", "empty", "a list"])
def test_an_entry_that_is_not_an_entry_is_derived_again(warm, uncached, content):
    for path in warm.glob("*.json"):
        path.write_text(content, encoding="utf-8")
    assert _tool(RUN, warm) == uncached["json"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="a system with /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_entry_linked_to_a_device_is_not_read(warm, uncached, device):
    for path in warm.glob("*.json"):
        path.unlink()
        path.symlink_to(device)
    assert _tool(RUN, warm) == uncached["json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a system with FIFOs")
def test_a_fifo_in_place_of_an_entry_does_not_block(warm, uncached):
    for path in warm.glob("*.json"):
        path.unlink()
        os.mkfifo(path)
    assert _tool(RUN, warm) == uncached["json"]


def test_an_entry_over_the_size_limit_is_not_read(warm, uncached, monkeypatch):
    path = _entry(warm, "kernels")
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", path.stat().st_size - 1)
    assert cache._load(path) is None
    monkeypatch.undo()
    assert cache._load(path) is not None
    with path.open("a", encoding="utf-8") as stream:
        stream.write(" " * (cache.MAX_ENTRY_BYTES + 1))
    assert cache._load(path) is None
    assert _tool(RUN, warm) == uncached["json"]


def test_a_one_bit_flip_in_a_layout_entry_is_derived_again(warm, uncached):
    path = _entry(warm, "json-layout")
    raw = path.read_bytes()
    flipped = raw.replace(b'"w2":{"form"', b'"v2":{"form"')
    assert flipped != raw and ord("w") ^ ord("v") == 1
    path.write_bytes(flipped)
    assert _tool(RUN, warm) == uncached["json"]


def test_pruning_removes_only_the_caches_own_entries(tmp_path, uncached, monkeypatch):
    students = [tmp_path / f"student-{n:03d}.json" for n in range(300)]
    for n, path in enumerate(students):
        path.write_text(json.dumps({"student": n}), encoding="utf-8")
        os.utime(path, ns=(n, n))  # older than any entry: what a pruning by age takes first
    assert _tool(RUN, tmp_path) == uncached["json"]
    assert all(path.exists() for path in students)
    # with the limit reached, the oldest entries go and the students' files stay
    monkeypatch.setenv("BACKPROP_TUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 1)
    scenario = scenario_from_text(TINY)
    cache.cached("kernels", scenario, lambda: {"n": 1}, lambda d: d)
    assert all(path.exists() for path in students)
    assert len([p for p in tmp_path.iterdir() if cache.ENTRY_NAME.fullmatch(p.name)]) == 1


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="a system with owners and modes")
@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_folder_others_can_write_is_not_used(warm, uncached, mode):
    _edit_kernels(warm, EDITS["derivative a*(1.01 - a)"])
    before = {p: p.read_bytes() for p in warm.iterdir()}
    warm.chmod(mode)
    try:
        assert _tool(RUN, warm) == uncached["json"]
        assert {p: p.read_bytes() for p in warm.iterdir()} == before  # nor written
    finally:
        warm.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="a system with owners and modes")
def test_the_tools_own_folder_is_made_private_again(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKPROP_TUTOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    where = cache.folder()
    where.mkdir(mode=0o775)
    where.chmod(0o775)  # made by a version that did not ask for 0700, under umask 002
    assert cache._trusted(where)
    assert where.stat().st_mode & 0o777 == 0o755


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="a system with owners")
def test_a_folder_or_entry_of_another_user_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_TUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    assert not cache._trusted(tmp_path)
    scenario = scenario_from_text(TINY)
    calls = []
    assert cache.cached("kernels", scenario, lambda: calls.append(1) or {"n": 1},
                        lambda d: d) == {"n": 1}
    assert calls == [1] and not list(tmp_path.iterdir())
    monkeypatch.undo()
    monkeypatch.setenv("BACKPROP_TUTOR_CACHE_DIR", str(tmp_path))
    cache.cached("kernels", scenario, lambda: {"n": 1}, lambda d: d)
    (entry,) = tmp_path.iterdir()
    monkeypatch.setattr(os, "getuid", lambda: entry.stat().st_uid + 1)
    monkeypatch.setattr(cache, "_trusted", lambda where: True)
    assert cache._load(entry) is None  # an entry the user does not own is not read


def test_a_group_writable_entry_is_not_read(warm):
    path = _entry(warm, "kernels")
    assert cache._load(path) is not None
    path.chmod(0o620)
    assert cache._load(path) is None


SHEET = "answers:\n  z1: 0.5\n  a1: 0.6225\n  z2: 0.9\n  dE/da2: 0.3\n  dE/dw2: 0.05\n"


def _code_sources(folder: Path) -> tuple[Path, dict]:
    path = _entry(folder, "worked-code")
    return path, json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", [
    "(1 + exp(-v0))**(-1.0) + 0.01",  # a1 off everywhere
    # a1 right at the run's own z1 (0.415) and wrong elsewhere: what error carried forward reads
    "(1 + exp(-(v0 + 3*(v0 - 0.415))))**(-1.0)",
    "v0*(1 + 0*9**9**9)",
], ids=["off everywhere", "right only at the key", "unbounded"])
def test_an_edited_formula_of_the_code_form_changes_no_mark(tmp_path, source):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(SHEET, encoding="utf-8")
    args = ["grade", "two_neuron", str(sheet), "--format", "json"]
    folder = tmp_path / "cache"
    uncached = _tool(args, None)
    assert '"carried forward"' in uncached  # a1 is marked from the student's own z1
    assert _tool(args, folder) == uncached
    path, entry = _code_sources(folder)
    (a1,) = [q for q in entry["data"] if q[1] == "a1"]
    a1[7][0][1] = source
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(args, folder) == uncached


def test_an_honest_code_form_is_used(tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(SHEET, encoding="utf-8")
    args = ["grade", "two_neuron", str(sheet), "--format", "json"]
    first = _tool(args, tmp_path)
    path, _ = _code_sources(tmp_path)
    os.utime(path, ns=(1, 1))
    assert _tool(args, tmp_path) == first
    assert path.stat().st_mtime_ns == 1  # read, not derived and written again


def test_an_edited_printed_formula_changes_no_number(warm, uncached):
    terminal = ["run", str(SCENARIOS / "two_neuron.yaml"), "--no-color", "--width", "100"]
    plain = _tool(terminal, None)
    assert _tool(terminal, warm) == plain
    path = _entry(warm, "worked-text")
    entry = json.loads(path.read_text(encoding="utf-8"))
    for quantity in entry["data"]:
        quantity[5] = "\x1b[2J"  # a note that is a terminal command
        quantity[3] = ["z9"]  # a name the network does not have
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(terminal, warm) == plain


@pytest.mark.parametrize("tokens", [["a1"], ["=oops"], []])
def test_a_printed_template_that_reads_an_unlisted_number_is_derived_again(tmp_path, uncached,
                                                                          tokens):
    """A worked-text entry whose ∂z2/∂b2 template puts in a1 (or a bad constant, or a token
    with no name), which the quantity does not list, once ended in an internal KeyError."""
    terminal = ["run", str(SCENARIOS / "two_neuron.yaml"), "--no-color", "--width", "100"]
    plain = _tool(terminal, None)
    cache = tmp_path / "cache"
    assert _tool(terminal, cache) == plain
    path = _entry(cache, "worked-text")
    entry = json.loads(path.read_text(encoding="utf-8"))
    (quantity,) = [q for q in entry["data"] if q[1] == "dz2/db2"]
    quantity[6] = ["1", " \ue0000\ue001)", tokens]
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _tool(terminal, cache) == plain
