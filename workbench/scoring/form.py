"""The ipywidgets scoring form: autosaving answers, evidence, commentary and actions per item."""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import anywidget
import ipywidgets as w
import traitlets
from sqlalchemy import exc as sa_exc

from workbench.analysis.measures import measure, value_text
from workbench.core.errors import WorkbenchError
from workbench.rubric.model import Item, Rubric, Section
from workbench.scoring.assessment import (
    AnswerError,
    Assessment,
    EvidenceLink,
    ItemState,
    Scores,
    finalise_problems,
    remember_assessor,
    remembered_assessor,
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


class Disclosure(anywidget.AnyWidget):
    """A section heading that opens and closes its section: a real button (reached and worked
    from the keyboard) whose open state screen readers hear (aria-expanded)."""

    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "wb-disclosure";
      const sync = () => {
        const open = model.get("expanded");
        button.textContent = (open ? "\u25BE " : "\u25B8 ") + model.get("label");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      };
      button.addEventListener("click", () => {
        model.set("expanded", !model.get("expanded"));
        model.save_changes();
      });
      model.on("change:label", sync);
      model.on("change:expanded", sync);
      sync();
      el.appendChild(button);
    }
    export default { render };
    """
    _css = """
    .wb-disclosure { display: block; width: 100%; text-align: left; font: inherit;
      font-weight: 600; padding: 6px 10px; margin: 2px 0; background: #f3f3f3; color: #1a1a1a;
      border: 1px solid #c8c8c8; border-radius: 3px; cursor: pointer; }
    .wb-disclosure:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 1px; }
    """
    label = traitlets.Unicode("").tag(sync=True)
    expanded = traitlets.Bool(False).tag(sync=True)


# The items list's filters: name -> what an item must be to be listed.
FILTERS = (("All", "all"), ("Unanswered", "unanswered"), ("No", "no"),
           ("Yes without evidence", "unevidenced"), ("Contradicted by the data", "contradicted"))


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
        # radio buttons: keyboard operable, their checked state native to screen readers
        self.answer = w.RadioButtons(options=ANSWER_OPTIONS, value="", description="Answer",
                                     orientation="horizontal")
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
        # a projected answer (another rubric's, over a crosswalk) is confirmed or changed
        self.confirm = w.Button(description="Confirm as reviewed",
                                tooltip="Keep this projected answer as it is, reviewed by you",
                                layout=w.Layout(display="none", width="auto"))
        self.confirm.on_click(lambda _b: self.confirm_projection())
        self.widget = w.VBox([
            self.text, self.suggestion, self.answer, self.flags, self.confirm,
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
        self.confirm.layout.display = None if state.projection_note else "none"
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
                       self.action_due, self.ev_label, self.ev_target, self.ev_add, self.confirm):
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

    def confirm_projection(self) -> bool:
        """Record that the assessor reviewed the projected answer and keeps it as it is."""
        try:
            done = self.form.store.mark_reviewed(self.form.assessment_id, self.item.id,
                                                 self.form.assessor)
        except WorkbenchError as exc:
            self._say(f"Not confirmed: {exc.message}")
            return False
        self.form.reload()
        if not done:
            self._say("Not confirmed: the answer changed since it was projected (reloaded).")
        return done

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

    The assessor's name is asked once and remembered. Above the sections, a list of every item
    with filters (unanswered, No, Yes without evidence, contradicted by the data) opens the one
    chosen beneath it. Sections open and close by keyboard (aria-expanded) and are built the
    first time they are opened.
    """

    def __init__(self, store: Store, assessment_id: int, rubric: Rubric,
                 indicators: Mapping[str, float | None] | None = None,
                 assessor: str | None = None, coverage: Coverage | None = None):
        self.store, self.assessment_id, self.rubric = store, assessment_id, rubric
        self.indicators = dict(indicators) if indicators else None
        self.coverage = dict(coverage) if coverage else None
        self.assessor = assessor or remembered_assessor()
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
        self.header = w.HTML(
            f"<h2 style='margin:0.3em 0'>{_esc(rubric.title)}</h2><div>{_esc(info.provider)}"
            f" &middot; {_esc(info.period)} &middot; assessment {info.id}</div>")
        self.name = w.Text(value=self.assessor or "", description="Your name",
                           placeholder="recorded with every answer you give",
                           layout=w.Layout(width="28em"))
        self.name_button = w.Button(description="Use this name")
        self.name_note = w.HTML()
        self.name_button.on_click(lambda _b: self.set_assessor(self.name.value))
        self.banner = w.HTML()
        self.total = w.HTML()
        self.filter = w.Dropdown(options=FILTERS, value="all", description="Show")
        self.item_list = w.Select(options=[], rows=12, description="Items",
                                  layout=w.Layout(width="95%"))
        self.focused = w.VBox()
        self.focused.add_class("wb-focused-item")
        self.filter.observe(lambda _c: self.refresh_list(), "value")
        self.item_list.observe(self._on_pick, "value")
        self.headers = [Disclosure(label=f"{s.id}. {s.name}") for s in rubric.sections]
        self.bodies = [w.VBox(layout=w.Layout(display="none")) for _ in rubric.sections]
        for index, header in enumerate(self.headers):
            header.observe(lambda change, i=index: self._on_toggle(i, change["new"]), "expanded")
        sections = [part for pair in zip(self.headers, self.bodies, strict=True) for part in pair]
        self.widget = w.VBox([
            self.header, w.HBox([self.name, self.name_button]), self.name_note, self.banner,
            self.total, w.HTML("<h3 style='margin:0.6em 0 0.2em'>All items</h3>"),
            self.filter, self.item_list, self.focused,
            w.HTML("<h3 style='margin:0.6em 0 0.2em'>By section</h3>"), *sections])
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
            who = assessor or remembered_assessor() or "(assessor not yet named)"
            assessment_id = store.create_assessment(provider, period, rubric, who=who)
        return cls(store, assessment_id, rubric, indicators, assessor, coverage)

    @property
    def locked(self) -> bool:
        """True when nothing may be saved: the assessment is final, or the assessor unnamed."""
        return self.info.status == "final" or not self.assessor

    def set_assessor(self, name: str) -> bool:
        """Score as ``name`` from now on, and remember it for every later form."""
        try:
            self.assessor = remember_assessor(name)
        except (AnswerError, OSError) as exc:
            self.name_note.value = f"<div role='alert' style='{_ERR}'>{_esc(exc)}</div>"
            return False
        self.name.value = self.assessor
        self._show_status()
        for editor in self.editors.values():
            editor.set_locked(self.locked)
        return True

    def _show_status(self) -> None:
        if self.info.status == "final":
            self.banner.value = (f"<div role='status' style='{_ERR}'>This assessment is "
                                 "finalised: answers are locked (reopen it with a reason to "
                                 "change them).</div>")
        elif not self.assessor:
            self.banner.value = (f"<div role='status' style='{_WARN}'>Type your name above and "
                                 "choose <b>Use this name</b> to start: it is recorded with "
                                 "every answer and remembered next time.</div>")
        else:
            self.banner.value = ""
        self.name_note.value = (f"<span style='color:#555'>Scoring as <b>{_esc(self.assessor)}"
                                "</b>: every answer records this name.</span>"
                                if self.assessor else "")

    # ------------------------------------------------------------ sections

    def _on_toggle(self, index: int, expanded: bool) -> None:
        if expanded:
            self.build_section(index)
        self.bodies[index].layout.display = None if expanded else "none"

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
        self.bodies[index].children = [*intro, *editors]
        self._built.add(index)

    def open_section(self, section_id: str) -> None:
        """Open (and build) a section by its id, as a click on its heading would."""
        index = next(i for i, s in enumerate(self.rubric.sections) if s.id == section_id)
        self.build_section(index)
        self.headers[index].expanded = True

    def section_titles(self) -> list[str]:
        """Each section heading as shown."""
        return [h.label for h in self.headers]

    def editor(self, item_id: str) -> ItemEditor:
        """The editor of an item, building its section when needed."""
        if item_id not in self.editors:
            self.build_section(next(i for i, s in enumerate(self.rubric.sections)
                                    if s.id == self.rubric.section_of(item_id).id))
        return self.editors[item_id]

    # ------------------------------------------------------------ the items list

    def matching(self, name: str) -> list[str]:
        """The ids of the items filter ``name`` lists, in rubric order."""
        if name == "contradicted":
            if not self.indicators:
                return []
            found = contradictions(self.rubric, self.states, self.indicators, self.coverage)
            wanted = set(found["item"]) if len(found) else set()
        elif name == "unevidenced":
            wanted = set(unevidenced_yes(self.rubric, self.states))
        else:
            wanted = None
        out = []
        for _, item in self.rubric.items():
            answer = (self.states.get(item.id) or ItemState(item.id)).answer
            if (name == "all" or (name == "unanswered" and answer is None)
                    or (name == "no" and answer == "no")
                    or (wanted is not None and item.id in wanted)):
                out.append(item.id)
        return out

    def refresh_list(self) -> None:
        """List the items the filter selects: id, answer and the start of the requirement."""
        texts = {item.id: item.text for _, item in self.rubric.items()}
        shown = self.matching(self.filter.value)
        options = []
        for item_id in shown:
            answer = (self.states.get(item_id) or ItemState(item_id)).answer
            text = texts[item_id]
            text = text if len(text) <= 90 else text[:89].rsplit(" ", 1)[0] + " …"
            options.append((f"{item_id}  [{(answer or 'not answered').capitalize()}]  {text}",
                            item_id))
        current = self.item_list.value
        self.item_list.options = options
        self.item_list.value = current if current in shown else None
        self.item_list.description = f"Items ({len(shown)})"

    def _on_pick(self, change: dict) -> None:
        if change["new"]:
            self.focus(change["new"])

    def focus(self, item_id: str) -> ItemEditor:
        """Show item ``item_id``'s editor under the list (the same widgets as in its section)."""
        editor = self.editor(item_id)
        self.focused.children = [editor.widget]
        return editor

    def scores(self) -> Scores:
        return scores(self.rubric, self.states)

    def refresh_scores(self) -> None:
        """Update the total, each section heading and the items list from what is saved."""
        result = self.scores()
        for header, s in zip(self.headers, result.sections, strict=True):
            header.label = (f"{s.id}. {s.name} - {s.score}/{s.max_points} "
                            f"({s.answered}/{s.items} answered)")
        missing_evidence = unevidenced_yes(self.rubric, self.states)
        extra = (f" &middot; <span style='{_WARN}'>{len(missing_evidence)} Yes without "
                 "evidence</span>" if missing_evidence else "")
        self.total.value = (f"<b>Total {result.total}/{result.max_points} ({result.pct:.1f} %)"
                            f"</b> &middot; {result.answered}/{result.items} answered{extra}")
        self.refresh_list()

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
