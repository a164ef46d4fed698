"""Stable keyed pseudonyms for personal fields: HMAC-SHA256 tokens, the key outside outputs/."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.arrays import StringArray

from workbench.core.atomic import atomic_path
from workbench.core.errors import WorkbenchError
from workbench.core.paths import config_dir

KEY_ENV = "WORKBENCH_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"


def key_path() -> Path:
    return config_dir() / KEY_FILE


def pseudonym_key() -> bytes:
    """The secret key: $WORKBENCH_PSEUDONYM_KEY, else config_dir()/pseudonym.key (made on first use,
    readable by the user only)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = key_path()
    if not path.exists():
        try:
            with atomic_path(path, mode=0o600) as tmp:  # mkstemp: 0600 before the key is written
                tmp.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
        except OSError as exc:
            raise WorkbenchError(f"cannot create the pseudonymisation key ({exc.strerror}); set "
                                 f"{KEY_ENV} instead", path=path) from None
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"cannot read the pseudonymisation key ({exc})", path=path) from None
    if not key:
        raise WorkbenchError("the pseudonymisation key file is empty", path=path)
    return key.encode("ascii")


def normalise_identity(value: str) -> str:
    """"Jane  Smith " and "jane smith" are the same person."""
    return " ".join(value.split()).casefold()


def keyed_hash(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 under ``key`` (RFC 2104), with the padded key states computed once.

    Same digests as ``hmac.digest(key, msg, "sha256")`` at a third of the cost per value, which
    matters when every contact in a 100,000-row register is distinct.
    """
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(message: bytes) -> bytes:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        return o.digest()

    return digest


def token(value: str, key: bytes | Callable[[bytes], bytes]) -> str:
    """The pseudonym of one value: "P-" and 10 hex characters of its HMAC-SHA256."""
    mac = keyed_hash(key) if isinstance(key, bytes) else key
    return f"P-{mac(normalise_identity(value).encode('utf-8')).hex()[:10]}"


def pseudonymise(values: pd.Series, key: bytes | None = None) -> pd.Series:
    """Tokens for a column of cells (hashed once per distinct value); blanks stay blank."""
    mac = keyed_hash(pseudonym_key() if key is None else key)
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    tokens: list = [pd.NA] * (len(uniques) + 1)  # the last is for code -1 (blank)
    for i, u in enumerate(uniques):
        text = " ".join(str(u).split()).casefold()
        if text:
            tokens[i] = f"P-{mac(text.encode('utf-8')).hex()[:10]}"
    table = np.array(tokens, dtype=object)
    return pd.Series(StringArray(table[codes]), index=values.index)
