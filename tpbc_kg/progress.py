"""Progress bars for long work (building a store, validating or exporting a large graph).

A bar is drawn on standard error only when it is a terminal and the user has not asked for quiet
(`tpbc-kg --quiet ...`, or TPBC_KG_QUIET=1): piped output, CI logs and notebooks stay clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def enabled() -> bool:
    if _quiet or os.environ.get("TPBC_KG_QUIET", "") not in ("", "0"):
        return False
    return _stderr().isatty()


@contextmanager
def progress(
    description: str, total: float | None = None, unit: str = "step"
) -> Iterator[Callable[..., None]]:
    """Yield update(n=1): advance the bar by n units (bytes, steps, constraints)."""
    if not enabled():
        yield _ignore
        return
    from tqdm import tqdm

    with tqdm(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=unit == "B",
        file=_stderr(),
        leave=False,
        dynamic_ncols=True,
    ) as bar:
        yield bar.update


def _stderr() -> TextIO:
    """Where bars go (looked up at each use, so a redirected stderr is honoured)."""
    return sys.stderr


def _ignore(n: float = 1) -> None:
    """Nothing to draw."""
