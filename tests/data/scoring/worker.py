"""Test helper run as a separate process: concurrent saves and a burst of saves to be killed."""

from __future__ import annotations

import sys

from workbench.core.errors import ConflictError
from workbench.scoring.store import Store


def conflict(db: str, aid: int, item: str, answer: str, who: str) -> None:
    """Read the item's version, say 'ready', wait for 'go' on stdin, then save against it."""
    store = Store(db)
    version = store.load(aid).item(item).version
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        saved = store.save_item(aid, item, {"answer": answer}, version, who)
    except ConflictError as exc:
        print(f"conflict {exc}", flush=True)
    else:
        print(f"saved {saved.version}", flush=True)


def burst(db: str, aid: int, item: str) -> None:
    """Save commentary 'save N' again and again; print N once each save is acknowledged."""
    store = Store(db)
    version = store.load(aid).item(item).version
    for n in range(1_000_000):
        saved = store.save_item(aid, item, {"commentary": f"save {n}",
                                            "answer": "yes" if n % 2 else "no"}, version, "burst")
        version = saved.version
        print(n, flush=True)


if __name__ == "__main__":
    kind, db, aid, item, *rest = sys.argv[1:]
    if kind == "conflict":
        conflict(db, int(aid), item, *rest)
    else:
        burst(db, int(aid), item)
