"""What sympy derived and printed for a network, kept on disk for the next run of it.

The symbolic work of a run depends only on the network's structure (inputs, layers, units,
activations, loss, names), never on its numbers (weights, data, learning rate, epochs). A
grading script runs the same network once per student; the second run reads the printed
kernels and chains back instead of importing sympy and deriving them again.

Entries are JSON files named by a hash of the structure, the package's own source files and
the installed sympy; an entry is used only if it stores exactly that key. The cache only ever
saves time: only regular files of at most ``MAX_ENTRY_BYTES`` in a folder of the user's own that
no one else may write are read; anything unreadable, invalid or failing its check (kernels are
checked against the scenario's own functions: solution/checked.py) is ignored and derived
again; a failure to write is ignored too, and pruning removes only files named as entries.
``BACKPROP_TUTOR_CACHE_DIR`` sets the folder; ``BACKPROP_TUTOR_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .. import __version__
from ..scenario.optimizer import settings
from ..scenario.schema import Scenario

FORMAT = 1
MAX_ENTRIES = 256  # the oldest entries beyond this many are removed when one is written
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a larger file is not read
KINDS = ("kernels", "json-layout", "worked-text", "worked-latex", "worked-code")
# the name of an entry (``_entry_path``): only files so named are ever read or removed
ENTRY_NAME = re.compile("(?:" + "|".join(KINDS) + r")-[0-9a-f]{40}\.json")
_PACKAGE = Path(__file__).resolve().parent.parent  # the whole package: any source change
# what a scenario may hold that changes numbers only, never a derivation or a printed form
# (``frozen`` changes how an update is written: w1+ = w1)
_NUMBERS_ONLY = {"title", "teaches", "data", "learning_rate", "epochs", "mode", "batch_size",
                 "tolerance", "init", "l2", "rounding"}


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
    # an optimizer's formulas depend on its name, not on its options' numbers
    name = settings(scenario)[0]
    data.pop("optimizer", None)
    if name != "sgd":
        data["optimizer"] = name
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
    if kind not in KINDS:
        raise ValueError(f"no cache entry of kind {kind!r}")
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return where / f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:40]}.json"


def cached(kind: str, scenario: Scenario, build: Callable[[], Any],
           read: Callable[[Any], Any], check: Callable[[Any], None] | None = None) -> Any:
    """``read(data)`` of the stored entry of this kind for the scenario's structure, or of
    ``build()``'s data, stored for next time.

    ``read`` raises if stored data is not valid; ``check(result)``, called on what a stored
    entry gives (never on what ``build`` gives), raises if it is not to be used. Whatever goes
    wrong with a stored entry (it cannot be read, is too large, is not a regular file of a
    trusted folder, is not valid, or fails the check) only means deriving again: nothing about
    an entry is raised.
    """
    where = folder()
    if where is None or not _trusted(where):
        return read(build())
    key = _key(kind, scenario)
    path = _entry_path(where, kind, key)
    try:
        stored = _load(path)
        if isinstance(stored, dict) and stored.get("key") == json.loads(json.dumps(key)):
            result = read(stored["data"])
            if check is not None:
                check(result)
            return result
    except Exception:  # noqa: BLE001  any failure of a stored entry: derive it again
        pass
    data = build()
    result = read(data)
    _store(where, path, {"key": key, "data": data})
    return result


def _trusted(where: Path) -> bool:
    """Whether entries may be read from and written to the folder: it is absent (and will be
    made the user's own), or a folder owned by the user that no one else may write, as ssh
    asks of its keys. The platform's default folder, the tool's own, is made so when the user
    owns it; a folder set by ``BACKPROP_TUTOR_CACHE_DIR`` is never changed. Where there are no
    owners (Windows) every folder is trusted."""
    try:
        info = os.stat(where)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if not hasattr(os, "getuid"):
        return True
    if info.st_uid != os.getuid():
        return False
    if not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return True
    if os.environ.get("BACKPROP_TUTOR_CACHE_DIR"):
        return False  # a folder the user chose is left as it is
    try:  # the tool's own folder, made before it was made private (umask 002): made private
        os.chmod(where, stat.S_IMODE(info.st_mode) & ~(stat.S_IWGRP | stat.S_IWOTH))
    except OSError:
        return False
    return True


def _load(path: Path) -> Any:
    """The JSON of an entry, or None when it is not a regular file of the user's, not writable
    by others, of at most ``MAX_ENTRY_BYTES``. Opened without following a link and without
    waiting (a FIFO is not read), then read to at most the limit."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES \
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) \
                or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            return None
        text = stream.read(MAX_ENTRY_BYTES + 1)
    if len(text) > MAX_ENTRY_BYTES:
        return None
    return json.loads(text)


def _store(where: Path, path: Path, entry: dict[str, Any]) -> None:
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(where):
            return
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
    """Remove the oldest of the cache's own entries beyond ``MAX_ENTRIES``: regular files named
    as ``_entry_path`` names them, and nothing else the folder holds."""
    entries = []
    for path in where.iterdir():
        if ENTRY_NAME.fullmatch(path.name):
            info = path.lstat()
            if stat.S_ISREG(info.st_mode):
                entries.append((info.st_mtime_ns, path))
    if len(entries) > MAX_ENTRIES:
        for _, path in sorted(entries)[: len(entries) - MAX_ENTRIES]:
            path.unlink(missing_ok=True)
