"""The environment a test runs the tool in as a whole process: plain output at 100 columns,
and the derivation cache in a given folder (or off)."""

from __future__ import annotations

import os
from pathlib import Path


def tool_env(cache_dir: Path | None) -> dict[str, str]:
    """``os.environ`` with colour off, 100 columns, and the cache in ``cache_dir`` (None: off)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("BACKPROP_TUTOR_NO_CACHE", None)
    if cache_dir is None:
        env["BACKPROP_TUTOR_NO_CACHE"] = "1"
    else:
        env["BACKPROP_TUTOR_CACHE_DIR"] = str(cache_dir)
    return env
