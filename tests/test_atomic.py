"""Atomic writes: all or nothing, with the permissions a normal write would give."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from workbench.core.atomic import atomic_dir, write_text


def test_write_replaces_whole_file_and_leaves_no_temporaries(tmp_path: Path):
    target = tmp_path / "a.txt"
    write_text(target, "old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_new_file_mode_follows_the_umask(tmp_path: Path):
    old = os.umask(0o022)
    try:
        target = write_text(tmp_path / "report.html", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_existing_file_keeps_its_mode(tmp_path: Path):
    target = tmp_path / "key"
    target.write_text("a")
    target.chmod(0o600)
    write_text(target, "b")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_failed_directory_write_leaves_the_old_one(tmp_path: Path):
    target = tmp_path / "pack"
    with atomic_dir(target) as d:
        (d / "report.html").write_text("v1")
    with pytest.raises(RuntimeError), atomic_dir(target) as d:
        (d / "report.html").write_text("half")
        raise RuntimeError("killed half way")
    assert (target / "report.html").read_text() == "v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]


def test_directory_replaced_whole(tmp_path: Path):
    target = tmp_path / "pack"
    with atomic_dir(target) as d:
        (d / "old.txt").write_text("1")
    with atomic_dir(target) as d:
        (d / "new.txt").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    old = os.umask(0o022)
    os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~old


def test_a_swap_cut_short_is_recovered(tmp_path: Path, monkeypatch):
    target = tmp_path / "pack"
    with atomic_dir(target) as d:
        (d / "report.html").write_text("v1")
    real_replace = os.replace

    def killed_after_first_rename(src, dst):
        real_replace(src, dst)
        if Path(dst).name == ".pack.old":
            raise KeyboardInterrupt  # Ctrl-C (or a kill) between the two renames

    monkeypatch.setattr(os, "replace", killed_after_first_rename)
    with pytest.raises(KeyboardInterrupt), atomic_dir(target) as d:
        (d / "report.html").write_text("v2")
    monkeypatch.setattr(os, "replace", real_replace)
    assert not target.exists() and (tmp_path / ".pack.old").is_dir()
    # the next write starts by putting the previous folder back, so a failure keeps it
    with pytest.raises(RuntimeError), atomic_dir(target) as d:
        raise RuntimeError("this run fails too")
    assert (target / "report.html").read_text() == "v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]


def test_pseudonym_key_is_private(tmp_path: Path, monkeypatch):
    from workbench.register import pseudonym

    monkeypatch.delenv("WORKBENCH_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path))
    pseudonym.pseudonym_key()
    assert stat.S_IMODE(pseudonym.key_path().stat().st_mode) == 0o600
