"""Pseudonymisation: stable keyed tokens, key in the config folder, identities on request."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd

from workbench.register.loader import load_register
from workbench.register.pseudonym import KEY_ENV, key_path, pseudonym_key, pseudonymise, token

CORPUS = Path(__file__).resolve().parent / "data" / "registers"


def test_key_file_is_created_once_with_owner_only_permissions(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert not key_path().exists()
    key = pseudonym_key()
    assert key_path().exists()
    assert stat.S_IMODE(os.stat(key_path()).st_mode) == 0o600
    assert len(key) == 64
    assert pseudonym_key() == key
    assert "outputs" not in key_path().parts


def test_tokens_are_stable_normalised_and_keyed():
    t = token("Jane Smith", b"k1")
    assert t.startswith("P-") and len(t) == 12
    assert token(" jane   SMITH ", b"k1") == t
    assert token("Jane Smith", b"k2") != t
    out = pseudonymise(pd.Series(["Jane Smith ", "jane smith", None, "  ", "John"]), b"k1")
    assert out.tolist() == [t, t, pd.NA, pd.NA, token("John", b"k1")]
    assert str(out.dtype) == "string"


def test_register_personal_fields_are_tokens_unless_identities(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    first = load_register(CORPUS / "personal.csv")
    names = first.frame["complainant_name"].tolist()
    assert names[0] == names[1] != names[2]
    assert names[3] is pd.NA
    assert all(n.startswith("P-") for n in names[:3])
    assert not {"Jane Smith", "Jane Smith ", "jane  smith"} & set(names[:3])
    assert first.frame["complainant_contact"].tolist()[1] is pd.NA
    assert first.frame["complainant_contact"].iloc[0].startswith("P-")
    # stable across loads with the same key
    assert load_register(CORPUS / "personal.csv").frame["complainant_name"].tolist() == names
    # different with another key
    monkeypatch.setenv(KEY_ENV, "another key")
    other = load_register(CORPUS / "personal.csv").frame["complainant_name"].tolist()
    assert other[0] != names[0] and other[0] == other[1]
    # identities=True gives the names back
    plain = load_register(CORPUS / "personal.csv", identities=True).frame
    assert plain["complainant_name"].tolist()[:3] == ["Jane Smith", "jane  smith", "John Jones"]
    assert plain["complainant_contact"].tolist()[0] == "jane@example.org"


def test_keyed_hash_is_standard_hmac_sha256():
    import hmac

    from workbench.register.pseudonym import keyed_hash

    for key in (b"k", b"x" * 64, b"y" * 100):
        assert keyed_hash(key)(b"jane smith") == hmac.digest(key, b"jane smith", "sha256")
    assert token("Jane Smith", b"k") == "P-" + hmac.digest(b"k", b"jane smith", "sha256").hex()[:10]
