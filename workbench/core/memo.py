"""Caches of pure functions: the same arguments always give the same answer, so a warm kernel
keeps them from one provider's notebook to the next (every other cache is cleared)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def pure_cache(maxsize: int = 128) -> Callable[[F], F]:
    """``functools.lru_cache`` for a function whose result depends only on its arguments (files
    are passed by identity: path, mtime and size); marked ``pure`` for the warm-kernel reset."""

    def wrap(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)
        cached.pure = True  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return wrap


def file_identity(path: str | Path) -> tuple[str, int, int]:
    """(resolved path, mtime in ns, size): a cache key that changes when the file does."""
    p = Path(path).resolve()
    st = p.stat()
    return str(p), st.st_mtime_ns, st.st_size
