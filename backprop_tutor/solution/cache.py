"""What sympy derived and printed for a network, kept on disk for the next run of it.

The symbolic work of a run depends only on the network's structure (inputs, layers, units,
activations, loss, names), never on its numbers (weights, data, learning rate, epochs). A
grading script runs the same network once per student; the second run reads the printed
kernels and chains back instead of importing sympy and deriving them again.

Entries are JSON files named by a hash of the structure, the package's own source files and
the installed sympy; an entry is used only if it stores exactly that key. Anything unreadable is
ignored and derived again; a failure to write is ignored too: the cache only ever saves time.
``BACKPROP_TUTOR_CACHE_DIR`` sets the folder; ``BACKPROP_TUTOR_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .. import __version__
from ..scenario.schema import Scenario

FORMAT = 1
MAX_ENTRIES = 256  # the oldest entries beyond this many are removed when one is written
_PACKAGE = Path(__file__).resolve().parent.parent  # the whole package: any source change
# what a scenario may hold that changes numbers only, never a derivation or a printed form
# (``frozen`` changes how an update is written: w1+ = w1)
_NUMBERS_ONLY = {"title", "teaches", "data", "learning_rate", "epochs", "mode", "batch_size",
                 "tolerance", "init", "l2"}


def folder() -> Path | None:
    """Where entries are kept, or None when caching is off.

    The platform's user cache folder (platformdirs): ``$XDG_CACHE_HOME/backprop-tutor`` or
    ``~/.cache/backprop-tutor`` on Linux, ``~/Library/Caches/backprop-tutor`` on macOS,
    ``%LOCALAPPDATA%\\backprop-tutor`` on Windows. Without a home folder to put it in (the
    path would not be absolute) there is no cache.
    """
    if os.environ.get("BACKPROP_TUTOR_NO_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("BACKPROP_TUTOR_CACHE_DIR")
    if chosen:
        return Path(chosen)
    from platformdirs import user_cache_path

    try:
        where = user_cache_path("backprop-tutor", appauthor=False, opinion=False)
    except (RuntimeError, KeyError, OSError):  # no home folder to be found: no cache
        return None
    return where if where.is_absolute() else None


def structure(scenario: Scenario) -> dict[str, Any]:
    """The part of a scenario that the derivation and its printed forms depend on."""
    data = scenario.model_dump(mode="json", exclude=_NUMBERS_ONLY)
    for layer in data["layers"]:
        layer.pop("weights", None)
        layer.pop("biases", None)
    return data


@cache
def _code_fingerprint() -> list[Any]:
    # this package's sources and the installed sympy: a change to either derives anew
    files = sorted(_PACKAGE.rglob("*.py"))
    stamp = hashlib.sha256()
    for path in files:
        info = path.stat()
        stamp.update(f"{path.relative_to(_PACKAGE)}:{info.st_size}:{info.st_mtime_ns};".encode())
    spec = find_spec("sympy")
    sympy_stamp = None
    if spec is not None and spec.origin:
        release = Path(spec.origin).parent / "release.py"
        try:
            info = release.stat()
            sympy_stamp = [str(release), info.st_size, info.st_mtime_ns]
        except OSError:
            sympy_stamp = [str(release)]
    return [__version__, stamp.hexdigest(), sympy_stamp, sys.version_info[:2]]


def _key(kind: str, scenario: Scenario) -> dict[str, Any]:
    return {"format": FORMAT, "kind": kind, "code": _code_fingerprint(),
            "structure": structure(scenario)}


def _entry_path(where: Path, kind: str, key: dict[str, Any]) -> Path:
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return where / f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:40]}.json"


def cached(kind: str, scenario: Scenario, build: Callable[[], Any],
           read: Callable[[Any], Any]) -> Any:
    """``read(data)`` of the stored entry of this kind for the scenario's structure, or of
    ``build()``'s data, stored for next time. ``read`` raises if stored data is not valid."""
    where = folder()
    if where is None:
        return read(build())
    key = _key(kind, scenario)
    path = _entry_path(where, kind, key)
    try:
        with open(path, encoding="utf-8") as stream:
            stored = json.load(stream)
        if stored["key"] == json.loads(json.dumps(key)):
            return read(stored["data"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent, unreadable, another key, or not valid data: derive it again
    data = build()
    result = read(data)
    _store(where, path, {"key": key, "data": data})
    return result


def _store(where: Path, path: Path, entry: dict[str, Any]) -> None:
    try:
        where.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(entry, stream, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(where)
    except (OSError, ValueError):
        pass  # a read-only or full disk only means the next run derives again


def _prune(where: Path) -> None:
    entries = [(p.stat().st_mtime_ns, p) for p in where.glob("*-*.json")]
    if len(entries) > MAX_ENTRIES:
        for _, path in sorted(entries)[: len(entries) - MAX_ENTRIES]:
            path.unlink(missing_ok=True)
