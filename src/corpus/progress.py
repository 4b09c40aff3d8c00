"""Progress bars on stderr for long work, and nothing anywhere else.

``progress(items, total=..., desc=...)`` gives back the items; a ``tqdm`` bar (on stderr)
follows them only when stderr is a terminal, the work has run longer than
:data:`DELAY_SECONDS`, and nobody asked for quiet (``quiet=True``, or :func:`set_quiet`
for the whole process, which is what a command's ``--quiet`` does). Pipes, files and
tests therefore never see a bar, and short work never flickers one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: a bar appears only once the work has taken this long
DELAY_SECONDS = 2.0

_quiet = False


def set_quiet(quiet: bool = True) -> None:
    """Silence (or allow again) every progress bar of this process."""
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


def wanted(quiet: bool = False) -> bool:
    """Whether a bar may be shown: not quiet, and stderr is a terminal."""
    if quiet or _quiet:
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def progress(
    items: Iterable[T],
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "doc",
    quiet: bool = False,
) -> Iterator[T]:
    """``items``, with a progress bar on stderr when :func:`wanted` (see the module)."""
    if not wanted(quiet):
        yield from items
        return
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[misc]  # tqdm has no type hints
        monitor_interval = 0  # no monitor thread: the work may fork worker processes

    with Bar(
        items,
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        delay=DELAY_SECONDS,
        leave=False,
        dynamic_ncols=True,
    ) as bar:
        yield from bar
