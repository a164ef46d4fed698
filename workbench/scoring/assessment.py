"""The assessment model: answers, evidence links, actions, scores, finalise blockers, agreement."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from workbench.core.atomic import write_text
from workbench.core.errors import WorkbenchError
from workbench.core.paths import RUBRICS_DIR, config_dir
from workbench.rubric.model import Rubric, load_rubric

ANSWERS = ("yes", "no")
FIELDS = ("answer", "evidence", "commentary", "action")
PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_WINDOWS_DRIVE_RE = re.compile(r"^[A-Za-z]:[\\/]")


class EvidenceError(WorkbenchError):
    """An evidence link whose target is refused (bad scheme, escape from the evidence root...)."""

    exit_code = 1


class AnswerError(WorkbenchError):
    """A value that is not a valid answer, action, commentary or period."""

    exit_code = 1


# ---------------------------------------------------------------- values


ASSESSOR_FILE = "assessor.txt"


def remembered_assessor() -> str | None:
    """WORKBENCH_ASSESSOR, else the name this user gave the scoring form once (kept in the
    workbench's config folder), else None: the form then asks for it."""
    name = os.environ.get("WORKBENCH_ASSESSOR")
    if name and name.strip():
        return name.strip()
    try:
        saved = (config_dir() / ASSESSOR_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return saved or None


def remember_assessor(name: str) -> str:
    """Keep ``name`` as this user's assessor name for every later form; returns it tidied."""
    name = " ".join(str(name).split())
    if not name:
        raise AnswerError("the assessor's name is blank: type the name recorded with each answer")
    if len(name) > 120:
        raise AnswerError("the assessor's name is longer than 120 characters")
    write_text(config_dir() / ASSESSOR_FILE, name + "\n")
    return name


def default_assessor() -> str:
    """The remembered assessor (`remembered_assessor`), else the login name (the command line
    records who ran it even when no name was ever given)."""
    name = remembered_assessor()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no login name in some containers
        return "unknown"


def parse_answer(value: Any) -> str | None:
    """'Yes'/'Y'/True -> 'yes', 'No'/'N'/False -> 'no', blank/None/'unanswered' -> None."""
    if value is None or value is True or value is False:
        return None if value is None else ("yes" if value else "no")
    text = str(value).strip().lower()
    if text in ("", "unanswered", "-", "none"):
        return None
    if text in ("yes", "y"):
        return "yes"
    if text in ("no", "n"):
        return "no"
    raise AnswerError(f"'{value}' is not an answer (use Yes, No or leave it blank)")


def check_period(period: str) -> str:
    """A financial year like '2024-25' (the second part is the year after the first)."""
    text = str(period).strip()
    m = PERIOD_RE.match(text)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise AnswerError(f"period '{period}' is not a financial year like 2024-25")
    return text


def previous_period(period: str) -> str:
    """'2024-25' -> '2023-24'."""
    start = int(check_period(period)[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def evidence_root() -> Path | None:
    """The folder relative evidence paths live under: WORKBENCH_EVIDENCE_ROOT, else none."""
    root = os.environ.get("WORKBENCH_EVIDENCE_ROOT")
    return Path(root) if root else None


def check_target(target: str, root: str | Path | None = None) -> str:
    """Validate an evidence target and return it normalised; raise EvidenceError saying why not.

    Accepted: an http(s) URL, ``register:REF``, or a path under the evidence root (relative, or
    absolute but inside the root; '..' that leaves the root is refused). Every other scheme
    (javascript:, data:, file:, ftp:, ...) is refused.
    """
    text = (target or "").strip()
    if not text:
        raise EvidenceError("the evidence target is empty (give a web address, a file path or "
                            "register:REF)")
    if any(ord(c) < 32 for c in text):
        raise EvidenceError(f"evidence target {text!r} contains control characters")
    if text.startswith(("=", "@", "+")):
        raise EvidenceError(f"evidence target '{text}' looks like a spreadsheet formula, not a "
                            "link (give a web address, a file path or register:REF)")
    m = _SCHEME_RE.match(text)
    if m and not _WINDOWS_DRIVE_RE.match(text):
        scheme = m.group(1).lower()
        if scheme in ("http", "https"):
            parts = urlsplit(text)
            if not parts.netloc or not parts.hostname:
                raise EvidenceError(f"evidence link '{text}' has no host name")
            return text
        if scheme == "register":
            ref = text[len(m.group(0)):].strip()
            if not ref:
                raise EvidenceError("'register:' needs a register reference, "
                                    "e.g. register:C-2024-017")
            return f"register:{ref}"
        raise EvidenceError(
            f"evidence link '{text}' uses the '{scheme}:' scheme, which is not allowed "
            "(use an http:// or https:// address, a path under the evidence folder, "
            "or register:REF)")
    return _check_path(text, root if root is not None else evidence_root())


def _check_path(text: str, root: str | Path | None) -> str:
    posix = text.replace("\\", "/")
    if root is None:
        if posix.startswith("/") or _WINDOWS_DRIVE_RE.match(text):
            raise EvidenceError(f"evidence path '{text}' is absolute, but no evidence folder is "
                                "set (set WORKBENCH_EVIDENCE_ROOT) - give a relative path")
        rel = PurePosixPath(posix)
    else:
        root_path = Path(root).resolve()
        candidate = Path(posix)
        full = (candidate if candidate.is_absolute() else root_path / candidate).resolve()
        try:
            rel = PurePosixPath(full.relative_to(root_path).as_posix())
        except ValueError:
            raise EvidenceError(f"evidence path '{text}' is outside the evidence folder "
                                f"{root_path}") from None
        return rel.as_posix()
    parts: list[str] = []
    for part in rel.parts:
        if part == "..":
            if not parts:
                raise EvidenceError(f"evidence path '{text}' leaves the evidence folder ('..')")
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    if not parts:
        raise EvidenceError(f"evidence path '{text}' names no file")
    return "/".join(parts)


@dataclass(frozen=True)
class EvidenceLink:
    """One piece of evidence: a label and a checked target (URL, evidence path, register ref)."""

    label: str
    target: str

    @classmethod
    def make(cls, label: str, target: str, root: str | Path | None = None) -> EvidenceLink:
        checked = check_target(target, root)
        return cls(label=(label or "").strip() or checked, target=checked)

    @property
    def kind(self) -> str:
        if self.target.startswith(("http://", "https://")):
            return "url"
        return "register" if self.target.startswith("register:") else "file"

    def to_json(self) -> dict[str, str]:
        return {"label": self.label, "target": self.target}


@dataclass(frozen=True)
class Action:
    """An improvement action: what will be done, who owns it, and by when."""

    what: str = ""
    owner: str = ""
    due: date | None = None

    @property
    def complete(self) -> bool:
        return bool(self.what.strip() and self.owner.strip() and self.due)

    @property
    def empty(self) -> bool:
        return not (self.what.strip() or self.owner.strip() or self.due)

    def missing(self) -> list[str]:
        return [name for name, ok in (("what", self.what.strip()), ("owner", self.owner.strip()),
                                      ("due date", self.due)) if not ok]

    def to_json(self) -> dict[str, str | None]:
        return {"what": self.what, "owner": self.owner,
                "due": self.due.isoformat() if self.due else None}


def parse_date(value: Any) -> date | None:
    """A date from a date/datetime, 'YYYY-MM-DD' or 'DD/MM/YYYY'; None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise AnswerError(f"'{value}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def parse_evidence(value: Any, root: str | Path | None = None) -> tuple[EvidenceLink, ...]:
    """Evidence from a list of links/dicts/(label, target) pairs; every target is checked."""
    if value is None:
        return ()
    links = []
    for entry in value:
        if isinstance(entry, EvidenceLink):
            links.append(EvidenceLink.make(entry.label, entry.target, root))
        elif isinstance(entry, Mapping):
            links.append(EvidenceLink.make(str(entry.get("label") or ""),
                                           str(entry.get("target") or ""), root))
        elif isinstance(entry, list | tuple) and len(entry) == 2:
            links.append(EvidenceLink.make(str(entry[0]), str(entry[1]), root))
        else:
            links.append(EvidenceLink.make("", str(entry), root))
    return tuple(links)


def parse_action(value: Any) -> Action | None:
    """An Action from an Action, a dict {what, owner, due} or None; all-blank -> None."""
    if value is None:
        return None
    if isinstance(value, Action):
        action = value
    elif isinstance(value, Mapping):
        action = Action(what=str(value.get("what") or "").strip(),
                        owner=str(value.get("owner") or "").strip(),
                        due=parse_date(value.get("due")))
    else:
        raise AnswerError("an improvement action must be given as what, owner and due, "
                          f"not {value!r}")
    return None if action.empty else action


def normalise_changes(changes: Mapping[str, Any], root: str | Path | None = None) -> dict[str, Any]:
    """Check a {field: value} dict of item changes; return the values in their JSON form."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "answer":
            out[key] = parse_answer(value)
        elif key == "evidence":
            out[key] = [link.to_json() for link in parse_evidence(value, root)]
        elif key == "commentary":
            out[key] = "" if value is None else str(value)
        elif key == "action":
            action = parse_action(value)
            out[key] = action.to_json() if action else None
        else:
            raise AnswerError(f"unknown item field '{key}' (known: {', '.join(FIELDS)})")
    return out


# ---------------------------------------------------------------- state


@dataclass(frozen=True)
class ItemState:
    """The saved state of one rubric item in one assessment."""

    item_id: str
    answer: str | None = None
    evidence: tuple[EvidenceLink, ...] = ()
    commentary: str = ""
    action: Action | None = None
    version: int = 0
    assessor: str | None = None
    updated_at: str | None = None
    # the source items an answer was projected from, while nobody has reviewed it since
    projected_from: tuple[str, ...] = ()

    @property
    def projection_note(self) -> str | None:
        """'projected from 5.3, needs review' for a projected answer not yet reviewed."""
        if not self.projected_from:
            return None
        return f"projected from {', '.join(self.projected_from)}, needs review"

    @classmethod
    def from_json(cls, item_id: str, values: Mapping[str, Any], **meta: Any) -> ItemState:
        """Build from stored JSON values (already checked when saved: not re-validated)."""
        action = values.get("action")
        return cls(
            item_id=item_id,
            answer=values.get("answer"),
            evidence=tuple(EvidenceLink(e["label"], e["target"])
                           for e in values.get("evidence") or ()),
            commentary=values.get("commentary") or "",
            action=Action(action.get("what") or "", action.get("owner") or "",
                          parse_date(action.get("due"))) if action else None,
            **meta,
        )

    def value(self, name: str) -> Any:
        """A field in its JSON form (as stored in events)."""
        if name == "answer":
            return self.answer
        if name == "evidence":
            return [e.to_json() for e in self.evidence]
        if name == "commentary":
            return self.commentary
        if name == "action":
            return self.action.to_json() if self.action else None
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {name: self.value(name) for name in FIELDS}

    def with_values(self, values: Mapping[str, Any]) -> ItemState:
        merged = {**self.to_json(), **values}
        return replace(ItemState.from_json(self.item_id, merged), version=self.version,
                       assessor=self.assessor, updated_at=self.updated_at)


@dataclass(frozen=True)
class AssessmentInfo:
    """One assessment's header row."""

    id: int
    provider: str
    period: str
    rubric_id: str
    rubric_version: str
    assessor: str = ""
    status: str = "open"
    created_at: str = ""
    created_by: str = ""
    baseline_of: int | None = None

    @property
    def label(self) -> str:
        who = f", assessor {self.assessor}" if self.assessor else ""
        return f"assessment {self.id} ({self.provider} {self.period}{who})"


@dataclass
class Assessment:
    """An assessment header plus every item's saved state (items never saved are absent)."""

    info: AssessmentInfo
    items: dict[str, ItemState] = field(default_factory=dict)

    def item(self, item_id: str) -> ItemState:
        return self.items.get(item_id) or ItemState(item_id)

    def answers(self) -> dict[str, str | None]:
        return {k: v.answer for k, v in self.items.items()}


# ---------------------------------------------------------------- scores and blockers


@dataclass(frozen=True)
class SectionScore:
    id: str
    name: str
    score: int
    max_points: int
    answered: int
    items: int

    @property
    def pct(self) -> float:
        return round(100.0 * self.score / self.max_points, 1) if self.max_points else 0.0


@dataclass(frozen=True)
class Scores:
    sections: list[SectionScore]
    total: int
    max_points: int
    answered: int
    items: int

    @property
    def pct(self) -> float:
        return round(100.0 * self.total / self.max_points, 1) if self.max_points else 0.0

    def __str__(self) -> str:
        return f"{self.total}/{self.max_points}"

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "max": self.max_points, "pct": self.pct,
                "answered": self.answered, "items": self.items,
                "sections": [{"id": s.id, "name": s.name, "score": s.score, "max": s.max_points,
                              "pct": s.pct, "answered": s.answered, "items": s.items}
                             for s in self.sections]}


def _answers_of(items: Assessment | Mapping[str, Any]) -> dict[str, str | None]:
    if isinstance(items, Assessment):
        return items.answers()
    return {k: (v.answer if isinstance(v, ItemState) else parse_answer(v))
            for k, v in items.items()}


def scores(rubric: Rubric, items: Assessment | Mapping[str, Any]) -> Scores:
    """Scores per section and in total (Yes scores the item's points, No and blank score 0)."""
    answers = _answers_of(items)
    yes, no = rubric.scoring.yes, rubric.scoring.no
    sections = []
    for section in rubric.sections:
        score = answered = 0
        for item in section.items:
            a = answers.get(item.id)
            if a is not None:
                answered += 1
                score += item.points * (yes if a == "yes" else no)
        sections.append(SectionScore(section.id, section.name, score, section.max_points,
                                     answered, len(section.items)))
    return Scores(sections, sum(s.score for s in sections), rubric.total,
                  sum(s.answered for s in sections), rubric.item_count)


def _states_of(items: Assessment | Mapping[str, ItemState]) -> Mapping[str, ItemState]:
    return items.items if isinstance(items, Assessment) else items


def unevidenced_yes(rubric: Rubric, items: Assessment | Mapping[str, ItemState]) -> list[str]:
    """Item ids answered Yes with no evidence link."""
    states = _states_of(items)
    return [item.id for _, item in rubric.items()
            if (s := states.get(item.id)) is not None and s.answer == "yes" and not s.evidence]


def finalise_problems(rubric: Rubric, items: Assessment | Mapping[str, ItemState]) -> list[str]:
    """Every reason the assessment cannot be finalised yet (empty list: it can)."""
    states = _states_of(items)
    problems = []
    if isinstance(items, Assessment):
        info = items.info
        if (info.rubric_id, info.rubric_version) != (rubric.id, rubric.version):
            problems.append(f"the assessment uses rubric {info.rubric_id} version "
                            f"{info.rubric_version}, not {rubric.id} version {rubric.version}")
    known = {item.id for _, item in rubric.items()}
    for item_id in sorted(set(states) - known):
        problems.append(f"item {item_id}: not in rubric {rubric.id} version {rubric.version}")
    for section, item in rubric.items():
        s = states.get(item.id) or ItemState(item.id)
        where = f"item {item.id} (section {section.id} {section.name})"
        if s.answer is None:
            problems.append(f"{where}: not answered")
        elif s.answer == "no":
            if s.action is None or not s.action.complete:
                missing = s.action.missing() if s.action else ["what", "owner", "due date"]
                problems.append(f"{where}: answered No but the improvement action has no "
                                f"{', '.join(missing)}")
        elif not s.evidence:
            problems.append(f"{where}: answered Yes with no evidence")
    return problems


# ---------------------------------------------------------------- comparison and agreement


def agreement(a_answers: Mapping[str, Any], b_answers: Mapping[str, Any]) -> dict[str, Any]:
    """Two assessors' agreement over the items both answered: %, Cohen's kappa, disagreements.

    kappa = (po - pe) / (1 - pe), po the observed agreement and pe the agreement expected by
    chance from each assessor's own Yes/No rates; None when undefined (pe == 1).
    """
    a = {k: parse_answer(v) for k, v in a_answers.items()}
    b = {k: parse_answer(v) for k, v in b_answers.items()}
    both = sorted((k for k in a.keys() & b.keys() if a[k] is not None and b[k] is not None),
                  key=_item_key)
    n = len(both)
    disagree = [k for k in both if a[k] != b[k]]
    only = sorted((k for k in a.keys() | b.keys() if k not in both
                   and (a.get(k) is not None or b.get(k) is not None)), key=_item_key)
    if not n:
        return {"compared": 0, "agreed": 0, "agreement_pct": None, "kappa": None,
                "disagreements": [], "answered_by_one_only": only}
    po = (n - len(disagree)) / n
    pe = sum((sum(a[k] == c for k in both) / n) * (sum(b[k] == c for k in both) / n)
             for c in ANSWERS)
    kappa = None if pe >= 1 else (po - pe) / (1 - pe)
    return {"compared": n, "agreed": n - len(disagree), "agreement_pct": round(100 * po, 1),
            "kappa": None if kappa is None else round(kappa, 4),
            "disagreements": disagree, "answered_by_one_only": only}


def _item_key(item_id: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in item_id.split("."))


def compare(rubric: Rubric, a: Assessment, b: Assessment):
    """Item by item comparison of two assessments (pandas DataFrame), one row per rubric item."""
    import pandas as pd

    rows = []
    for section, item in rubric.items():
        sa, sb = a.item(item.id), b.item(item.id)
        rows.append({"item": item.id, "section": section.id, "text": item.text,
                     "a": sa.answer or "", "b": sb.answer or "",
                     "same": sa.answer == sb.answer,
                     "a_evidence": len(sa.evidence), "b_evidence": len(sb.evidence)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- finding a rubric


def find_rubric(rubric_id: str, version: str | None = None,
                folder: str | Path = RUBRICS_DIR) -> Rubric:
    """The rubric with this id (and version) among the YAML files of ``folder``."""
    folder = Path(folder)
    seen = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            rubric = load_rubric(path)
        except WorkbenchError:
            continue
        seen.append(f"{rubric.id} {rubric.version}")
        if rubric.id == rubric_id and (version is None or rubric.version == version):
            return rubric
    want = f"{rubric_id} version {version}" if version else rubric_id
    raise WorkbenchError(f"no rubric {want} in {folder} (found: {', '.join(seen) or 'none'}); "
                         "give the rubric file with --rubric")
