"""The ipywidgets scoring form: autosaving answers, evidence, commentary and actions per item."""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import ipywidgets as w
from sqlalchemy import exc as sa_exc

from workbench.analysis.measures import measure, value_text
from workbench.core.errors import WorkbenchError
from workbench.rubric.model import Item, Rubric, Section
from workbench.scoring.assessment import (
    Assessment,
    EvidenceLink,
    ItemState,
    Scores,
    default_assessor,
    finalise_problems,
    scores,
    unevidenced_yes,
)
from workbench.scoring.contradictions import (
    Coverage,
    contradictions,
    expected_text,
    suggestion_note,
)
from workbench.scoring.store import ItemConflict, Store

ANSWER_OPTIONS = (("Yes", "yes"), ("No", "no"), ("Not answered", ""))
_OK = "color:#1b5e20"
_WARN = "color:#8a4b00"
_ERR = "color:#b00020;font-weight:bold"


def _esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d %b %Y %H:%M:%S")
    except ValueError:
        return iso


def link_html(link: EvidenceLink) -> str:
    """An evidence link as safe HTML (only checked http(s) targets become clickable)."""
    if link.kind == "url":
        return (f'<a href="{_esc(link.target)}" target="_blank" rel="noopener noreferrer">'
                f"{_esc(link.label)}</a>")
    return f"{_esc(link.label)} <code>{_esc(link.target)}</code>"


# Pauses (seconds) between retries of a save the busy store refused; the last one repeats.
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)


class ItemEditor:
    """The widgets of one rubric item; every change is saved at once against the item version."""

    def __init__(self, form: ScoringForm, section: Section, item: Item, state: ItemState):
        self.form, self.section, self.item, self.state = form, section, item, state
        self._quiet = 0
        self.pending: dict[str, Any] = {}  # a change the busy store has not taken yet
        self._retries = 0
        self._shown_evidence: tuple[EvidenceLink, ...] = ()
        head = (f"<b>{_esc(item.id)}</b> {_esc(item.text)}"
                f"<div style='color:#555;font-size:90%'>Evidence expected: "
                f"{_esc('; '.join(item.evidence))}</div>")
        self.text = w.HTML(head)
        note = (suggestion_note(item.data_check, form.indicators, form.coverage)
                if item.data_check is not None else None)
        self.suggestion = w.HTML(f"<i style='{_WARN}'>Suggested by the data: {_esc(note)}</i>"
                                 if note else "")
        self.answer = w.ToggleButtons(options=ANSWER_OPTIONS, value="",
                                      description="Answer", style={"button_width": "110px"})
        self.evidence_list = w.VBox()
        self.ev_label = w.Text(placeholder="label, e.g. Board minutes May 2024",
                               description="Label")
        self.ev_target = w.Text(placeholder="https://..., folder/file.pdf or register:REF",
                                description="Target")
        self.ev_add = w.Button(description="Add evidence", icon="plus")
        self.commentary = w.Textarea(description="Commentary", continuous_update=False,
                                     layout=w.Layout(width="95%", height="70px"))
        self.action_what = w.Text(description="Action", continuous_update=False,
                                  placeholder="what will be improved", layout=w.Layout(width="95%"))
        self.action_owner = w.Text(description="Owner", continuous_update=False)
        self.action_due = w.DatePicker(description="Due")
        self.action_box = w.VBox([w.HTML("<i>A No needs an improvement action before the "
                                         "assessment can be finalised.</i>"),
                                  self.action_what, self.action_owner, self.action_due])
        self.message = w.HTML()
        self.status = w.HTML()
        self.flags = w.HTML()
        self.widget = w.VBox([
            self.text, self.suggestion, self.answer, self.flags,
            w.HTML("<b>Evidence</b>"), self.evidence_list,
            w.HBox([self.ev_label, self.ev_target, self.ev_add]),
            self.commentary, self.action_box, self.message, self.status,
        ], layout=w.Layout(border="1px solid #ddd", padding="6px", margin="4px 0"))
        self.show(state)
        self.answer.observe(self._on_answer, "value")
        self.commentary.observe(self._on_commentary, "value")
        for widget in (self.action_what, self.action_owner, self.action_due):
            widget.observe(self._on_action, "value")
        self.ev_add.on_click(lambda _b: self.add_evidence())

    # ------------------------------------------------------------ display

    @contextlib.contextmanager
    def _silent(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def show(self, state: ItemState) -> None:
        """Show ``state`` in the widgets without saving anything."""
        self.state = state
        with self._silent():
            self.answer.value = state.answer or ""
            self.commentary.value = state.commentary
            action = state.action
            self.action_what.value = action.what if action else ""
            self.action_owner.value = action.owner if action else ""
            self.action_due.value = action.due if action else None
            if state.evidence != self._shown_evidence or not self.evidence_list.children:
                self._show_evidence(state.evidence)
        self.action_box.layout.display = None if state.answer == "no" else "none"
        flags = []
        if state.answer == "yes" and not state.evidence:
            flags.append("Yes with no evidence: add the evidence that shows it")
        if state.projection_note:
            flags.append(f"{state.projection_note.capitalize()}: check it and change it or "
                         "confirm it")
        self.flags.value = "".join(f"<div style='{_WARN}'>&#9888; {_esc(f)}</div>" for f in flags)
        self.status.value = (f"<span style='color:#666;font-size:85%'>saved by "
                             f"{_esc(state.assessor)}, {_esc(_time(state.updated_at))} "
                             f"(version {state.version})</span>" if state.version else "")
        self.set_locked(self.form.locked)

    def _show_evidence(self, links: tuple[EvidenceLink, ...]) -> None:
        """Rebuild the (short) evidence rows; only when the evidence itself changed."""
        rows = []
        for i, link in enumerate(links):
            remove = w.Button(description="Remove", icon="trash", layout=w.Layout(width="90px"))
            remove.on_click(lambda _b, i=i: self.remove_evidence(i))
            rows.append(w.HBox([remove, w.HTML(link_html(link))]))
        self.evidence_list.children = rows or [w.HTML("<i>none yet</i>")]
        self._shown_evidence = links

    def set_locked(self, locked: bool) -> None:
        for widget in (self.answer, self.commentary, self.action_what, self.action_owner,
                       self.action_due, self.ev_label, self.ev_target, self.ev_add):
            widget.disabled = locked
        for row in self.evidence_list.children:
            if isinstance(row, w.HBox):
                row.children[0].disabled = locked

    def _say(self, text: str, style: str = _ERR) -> None:
        self.message.value = f"<div style='{style}'>{_esc(text)}</div>" if text else ""

    # ------------------------------------------------------------ saving

    def save(self, changes: Mapping[str, Any]) -> bool:
        """Save ``changes`` against the shown version; on refusal show why and the stored value.
        While the store is busy (locked by another writer past its timeout) the change is kept,
        the item says so, and the save is retried (``retry_pending``)."""
        changes = {**self.pending, **changes}
        try:
            saved = self.form.store.save_item(self.form.assessment_id, self.item.id, changes,
                                              self.state.version, self.form.assessor)
        except sa_exc.OperationalError:
            self.pending = changes  # never dropped: kept until a save goes through
            self._say("Not saved: the store is busy, retrying. Your change is kept here.", _WARN)
            self._schedule_retry()
            return False
        except ItemConflict as exc:
            self.pending = {}
            self.show(exc.current)
            self.form.states[self.item.id] = exc.current
            self._say(f"Not saved: {exc}")
            self.form.refresh_scores()
            return False
        except WorkbenchError as exc:
            self.pending = {}
            self.show(self.state)
            self._say(f"Not saved: {exc.message}")
            return False
        self.pending = {}
        self._retries = 0
        self.form.states[self.item.id] = saved
        self.show(saved)
        self._say("")
        self.form.refresh_scores()
        return True

    def retry_pending(self) -> bool:
        """Try again to save a change the busy store refused (True once it is saved)."""
        return not self.pending or self.save({})

    def _schedule_retry(self) -> None:
        """Retry on the kernel's event loop after a growing pause; without a running loop (a
        script or a test) the change waits for the next edit or ``retry_pending``."""
        delay = RETRY_SECONDS[min(self._retries, len(RETRY_SECONDS) - 1)]
        self._retries += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_later(delay, self.retry_pending)

    def _on_answer(self, change: dict) -> None:
        if not self._quiet:
            self.save({"answer": change["new"] or None})

    def _on_commentary(self, change: dict) -> None:
        if not self._quiet:
            self.save({"commentary": change["new"]})

    def _on_action(self, _change: dict) -> None:
        if not self._quiet:
            self.save({"action": {"what": self.action_what.value, "owner": self.action_owner.value,
                                  "due": self.action_due.value}})

    def add_evidence(self, label: str | None = None, target: str | None = None) -> bool:
        """Add the link typed in the label/target boxes; a refused target leaves them as typed."""
        if label is not None:
            self.ev_label.value = label
        if target is not None:
            self.ev_target.value = target
        try:
            link = EvidenceLink.make(self.ev_label.value, self.ev_target.value,
                                     self.form.store.evidence_root)
        except WorkbenchError as exc:
            self._say(f"Evidence not added: {exc.message}")
            return False
        if self.save({"evidence": [*self.state.evidence, link]}):
            self.ev_label.value = ""
            self.ev_target.value = ""
            return True
        return False

    def remove_evidence(self, index: int) -> bool:
        links = list(self.state.evidence)
        if not 0 <= index < len(links):
            return False
        del links[index]
        return self.save({"evidence": links})


class ScoringForm:
    """An autosaving scoring form over one stored assessment; ``.widget`` is what to display.

    Sections are an Accordion whose contents are built the first time a section is opened.
    """

    def __init__(self, store: Store, assessment_id: int, rubric: Rubric,
                 indicators: Mapping[str, float | None] | None = None,
                 assessor: str | None = None, coverage: Coverage | None = None):
        self.store, self.assessment_id, self.rubric = store, assessment_id, rubric
        self.indicators = dict(indicators) if indicators else None
        self.coverage = dict(coverage) if coverage else None
        self.assessor = assessor or default_assessor()
        loaded = store.load(assessment_id)
        info = loaded.info
        if (info.rubric_id, info.rubric_version) != (rubric.id, rubric.version):
            raise WorkbenchError(f"{info.label} uses rubric {info.rubric_id} version "
                                 f"{info.rubric_version}, not {rubric.id} version "
                                 f"{rubric.version}")
        self.info = info
        self.states: dict[str, ItemState] = dict(loaded.items)
        self.editors: dict[str, ItemEditor] = {}
        self._built: set[int] = set()
        label = f" &middot; {_esc(info.assessor)}" if info.assessor else ""
        self.header = w.HTML(
            f"<h3>{_esc(rubric.title)}</h3><div>{_esc(info.provider)} &middot; {_esc(info.period)}"
            f" &middot; assessment {info.id}{label}"
            f" &middot; scoring as <b>{_esc(self.assessor)}</b></div>")
        self.banner = w.HTML()
        self.total = w.HTML()
        self.accordion = w.Accordion(children=[w.VBox() for _ in rubric.sections])
        self.accordion.observe(self._on_open, "selected_index")
        self.widget = w.VBox([self.header, self.banner, self.total, self.accordion])
        self._show_status()
        self.refresh_scores()

    @classmethod
    def open(cls, *, provider: str, period: str, rubric: Rubric, db: str | None = None,
             indicators: Mapping[str, float | None] | None = None,
             assessor: str | None = None, coverage: Coverage | None = None) -> ScoringForm:
        """The form for a provider's assessment in ``db`` (WORKBENCH_DB or outputs/workbench.db
        when None), starting that assessment if there is none yet."""
        store = Store(db)
        found = store.assessments(provider, period, rubric.id, "")
        if found:
            assessment_id = found[0].id
        else:
            assessment_id = store.create_assessment(provider, period, rubric,
                                                    who=assessor or default_assessor())
        return cls(store, assessment_id, rubric, indicators, assessor, coverage)

    @property
    def locked(self) -> bool:
        return self.info.status == "final"

    def _show_status(self) -> None:
        self.banner.value = (f"<div style='{_ERR}'>This assessment is finalised: answers are "
                             "locked (reopen it with a reason to change them).</div>"
                             if self.locked else "")

    def _on_open(self, change: dict) -> None:
        if change["new"] is not None:
            self.build_section(change["new"])

    def build_section(self, index: int) -> None:
        """Build the editors of section ``index`` (once)."""
        if index in self._built:
            return
        section = self.rubric.sections[index]
        editors = []
        for item in section.items:
            editor = ItemEditor(self, section, item,
                                self.states.get(item.id) or ItemState(item.id))
            self.editors[item.id] = editor
            editors.append(editor.widget)
        intro = [w.HTML(f"<p>{_esc(section.description)}</p>")] if section.description else []
        self.accordion.children[index].children = [*intro, *editors]
        self._built.add(index)

    def open_section(self, section_id: str) -> None:
        """Open (and build) a section by its id, as a click on its title would."""
        index = next(i for i, s in enumerate(self.rubric.sections) if s.id == section_id)
        self.accordion.selected_index = index
        self.build_section(index)

    def editor(self, item_id: str) -> ItemEditor:
        """The editor of an item, building its section when needed."""
        if item_id not in self.editors:
            self.open_section(self.rubric.section_of(item_id).id)
        return self.editors[item_id]

    def scores(self) -> Scores:
        return scores(self.rubric, self.states)

    def refresh_scores(self) -> None:
        """Update the total and each section title from what is saved."""
        result = self.scores()
        for i, s in enumerate(result.sections):
            self.accordion.set_title(i, f"{s.id}. {s.name} - {s.score}/{s.max_points} "
                                        f"({s.answered}/{s.items} answered)")
        missing_evidence = unevidenced_yes(self.rubric, self.states)
        extra = (f" &middot; <span style='{_WARN}'>{len(missing_evidence)} Yes without "
                 "evidence</span>" if missing_evidence else "")
        self.total.value = (f"<b>Total {result.total}/{result.max_points} ({result.pct:.1f} %)"
                            f"</b> &middot; {result.answered}/{result.items} answered{extra}")

    def reload(self) -> None:
        """Re-read the store (another auditor's saves, a finalise) and show it."""
        loaded = self.store.load(self.assessment_id)
        self.info = loaded.info
        self.states = dict(loaded.items)
        self._show_status()
        for item_id, editor in self.editors.items():
            editor.show(self.states.get(item_id) or ItemState(item_id))
        self.refresh_scores()


def summary_html(store: Store, assessment_id: int, rubric: Rubric,
                 indicators: Mapping[str, float | None] | None = None,
                 coverage: Coverage | None = None) -> str:
    """A read-only HTML summary of the stored assessment: scores, answers, evidence, blockers."""
    assessment: Assessment = store.load(assessment_id)
    info = assessment.info
    result = scores(rubric, assessment)
    out = [f"<h3>{_esc(rubric.title)}: {_esc(info.provider)} {_esc(info.period)}</h3>",
           f"<p>Assessment {info.id} ({_esc(info.status)}) &middot; rubric {_esc(rubric.id)} "
           f"version {_esc(rubric.version)} &middot; <b>total {result.total}/{result.max_points}"
           f" ({result.pct:.1f} %)</b>, {result.answered}/{result.items} answered</p>",
           "<table><tr><th>Section</th><th>Score</th><th>%</th><th>Answered</th></tr>"]
    for s in result.sections:
        out.append(f"<tr><td>{_esc(s.id)}. {_esc(s.name)}</td><td>{s.score}/{s.max_points}</td>"
                   f"<td>{s.pct:.1f}</td><td>{s.answered}/{s.items}</td></tr>")
    out.append("</table>")
    out.append("<table><tr><th>Item</th><th>Question</th><th>Answer</th><th>Evidence</th>"
               "<th>Commentary</th><th>Action</th></tr>")
    for _, item in rubric.items():
        st = assessment.item(item.id)
        action = (f"{_esc(st.action.what)} ({_esc(st.action.owner)}, due "
                  f"{_esc(st.action.due or '-')})" if st.action else "")
        out.append(f"<tr><td>{_esc(item.id)}</td><td>{_esc(item.text)}</td>"
                   f"<td>{_esc((st.answer or '-').capitalize())}</td>"
                   f"<td>{'<br>'.join(link_html(e) for e in st.evidence)}</td>"
                   f"<td>{_esc(st.commentary)}</td><td>{action}</td></tr>")
    out.append("</table>")
    if indicators:
        frame = contradictions(rubric, assessment, indicators, coverage)
        if len(frame):
            out.append("<h4>Answers the register figures contradict</h4><ul>")
            checks = {item.id: item.data_check for _, item in rubric.items()}
            for row in frame.itertuples():
                check = checks[row.item]
                out.append(f"<li>{_esc(row.item)} answered {_esc(row.answer)}: "
                           f"{_esc(measure(row.kpi).label)} {_esc(value_text(row.kpi, row.figure))}"
                           f" (expected {_esc(expected_text(check))}) suggests "
                           f"{_esc(row.suggestion)}</li>")
            out.append("</ul>")
    problems = finalise_problems(rubric, assessment)
    if problems and info.status != "final":
        out.append(f"<h4>Before it can be finalised ({len(problems)})</h4><ul>")
        out.extend(f"<li>{_esc(p)}</li>" for p in problems)
        out.append("</ul>")
    return "\n".join(out)


def summary_view(store: Store, assessment_id: int, rubric: Rubric,
                 indicators: Mapping[str, float | None] | None = None,
                 coverage: Coverage | None = None):
    """The summary as an IPython HTML display object (static output: fine in papermill runs)."""
    from IPython.display import HTML

    return HTML(summary_html(store, assessment_id, rubric, indicators, coverage))
