"""Provenance of a provider pack: the inputs it depends on, hashed into the batch's skip
fingerprint, and the pack's manifest.json (light: the batch driver imports only this)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.core.errors import WorkbenchError
from workbench.core.memo import file_identity, pure_cache
from workbench.core.paths import DEFAULT_RUBRIC
from workbench.register.manifest import Provider
from workbench.rubric.model import Rubric, load_rubric

MANIFEST_FILE = "manifest.json"
RESULTS_FILE = "results.json"  # ProviderResults for the portfolio and dashboards (no personal data)
HASH_CHUNK = 1 << 20


def default_rubric_path() -> Path:
    """The rubric used when none is given: the 85-point complaints-handling self-assessment."""
    if not DEFAULT_RUBRIC.exists():
        raise WorkbenchError("the default rubric is missing: give one with --rubric",
                             path=DEFAULT_RUBRIC)
    return DEFAULT_RUBRIC


@pure_cache(maxsize=8)
def _rubric_cached(path: str, mtime_ns: int, size: int) -> Rubric:
    return load_rubric(path)


def rubric_at(path: str | Path) -> Rubric:
    """load_rubric, parsed once per file version (keyed by path, mtime and size)."""
    return _rubric_cached(*file_identity(path))


def default_as_of(period: str) -> dt.date:
    """The end of the financial year ``period`` (31 March), or today while it is still running."""
    end = dt.date(int(period[:4]) + 1, 3, 31)
    return min(end, dt.date.today())


def file_sha256(path: str | Path | None) -> str | None:
    """sha256 of a file's bytes (None for no file)."""
    if path is None:
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def inputs(provider: Provider, *, period: str, as_of: dt.date, rubric_path: str | Path,
           rubric: Rubric | None = None, db: str | None = None,
           register_path: str | Path | None = None,
           mapping_path: str | Path | None = None) -> dict[str, Any]:
    """Everything a provider's outputs depend on, hashed: the batch's skip fingerprint basis."""
    rubric = rubric or rubric_at(rubric_path)
    register = Path(register_path or provider.register)
    mapping = mapping_path or provider.mapping
    return {
        "provider": provider.id,
        "register": {"path": register.name, "sha256": file_sha256(register)},
        "mapping": {"path": Path(mapping).name if mapping else None,
                    "sha256": file_sha256(mapping)},
        "rubric": {"id": rubric.id, "version": rubric.version, "sha256": file_sha256(rubric_path)},
        "parameters": {
            "period": period, "as_of": as_of.isoformat(),
            "name": provider.name, "service_type": provider.service_type,
            "service_users": provider.service_users, "targets": provider.targets.model_dump(),
            "holidays": provider.holidays, "closures": [d.isoformat() for d in provider.closures],
            # the store the notebook reads: --db, else the default store when there is one
            "db": assessment_stamp(db, provider.id, period, rubric),
        },
        "package_version": __version__,
    }


def fingerprint(basis: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of an `inputs` dict."""
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()


def assessment_stamp(db: str | None, provider_id: str, period: str, rubric: Rubric) -> str | None:
    """Identity and last change of the stored assessment (read only), so a re-scored provider
    is not skipped; None when the store holds no assessment for it."""
    assessment = stored_assessment(db, provider_id, period, rubric)
    if assessment is None:
        return None
    stamps = sorted((s.updated_at or "", s.version) for s in assessment.items.values())
    return f"{assessment.info.id}:{assessment.info.status}:{stamps[-1] if stamps else ''}"


def stored_assessment(db: str | None, provider_id: str, period: str, rubric: Rubric):
    """The scored assessment in ``db``, or in the default store when ``db`` is blank and one
    exists (the store the scoring form writes to); None without a store or an assessment."""
    from workbench.reports import results as results_io
    from workbench.scoring.store import Store, StoreMissing, existing_default_db

    db = db or existing_default_db()
    if not db:
        return None
    try:
        store = Store(db, create=False)  # reading scores never creates a store
    except StoreMissing:
        return None
    try:
        return results_io.stored_assessment(store, provider_id, period, rubric)
    finally:
        store.close()


def as_date(value: dt.date | str | None) -> dt.date | None:
    """A date from a date, datetime or ISO text; None for None or blank."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def read_pack_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    """A provider folder's manifest.json, or None when absent or unreadable."""
    try:
        return json.loads((Path(out_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
