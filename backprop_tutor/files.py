"""Writing files atomically: a failed or interrupted run leaves no half-written file behind."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

_REASONS = {
    PermissionError: "permission denied",
    IsADirectoryError: "it is a folder",
    FileNotFoundError: "the folder does not exist",
    NotADirectoryError: "a part of the path is not a folder",
}


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def what_it_is(path: str | os.PathLike[str]) -> str | None:
    """What ``path`` is when it is not a regular file ("a named pipe (FIFO)", "a directory",
    "a character device"…), through symbolic links; None for a regular file or a path that
    cannot be examined (reading it then says why). Nothing is opened, so nothing blocks."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _mode(target: Path) -> int:
    # the mode an ordinary new file gets (mkstemp's own is 0600), or the replaced file's
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    InputError, and nothing written, when ``path`` is a folder, is not a regular file (a FIFO,
    a device) or is one of the command's ``inputs``: an output never replaces what it reads.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {target}: the folder {folder} does not exist")
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a folder")
    if target.exists() and not target.is_file():
        raise InputError(f"cannot write {target}: it is not a regular file")
    for source in inputs:
        try:
            same = target.exists() and os.path.samefile(target, source)
        except OSError:
            same = False
        if same:
            raise InputError(f"cannot write {target}: it is an input of this command; "
                             "choose another output file")
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        reason = _REASONS.get(type(error), error.strerror or str(error))
        raise InputError(f"cannot write {target}: {reason}") from None
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as handle:
            handle.write(data)
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            reason = _REASONS.get(type(error), error.strerror or str(error))
            raise InputError(f"cannot write {target}: {reason}") from None
        raise


@contextmanager
def new_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A folder of outputs written whole or not at all: the files go into a temporary folder
    beside ``path``, which becomes ``path`` only when the block ends without an error (or an
    interruption); otherwise it is removed.

    InputError, and nothing written, when ``path`` is a file, or a folder that already holds
    files (they are never mixed with, or replaced by, the new ones).
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise InputError(f"cannot write the folder {target}: it is a file")
    if target.is_dir() and any(target.iterdir()):
        raise InputError(f"cannot write the folder {target}: it already holds files; give a "
                         "new folder")
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as error:
        reason = _REASONS.get(type(error), error.strerror or str(error))
        raise InputError(f"cannot write the folder {target}: {reason}") from None
    try:
        yield temporary
        if target.is_dir():
            target.rmdir()  # empty, checked above
        os.rename(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
