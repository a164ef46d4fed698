"""Projection: carry answers to another rubric over a crosswalk, each marked for review."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.rubric.crosswalk import Crosswalk, find_crosswalk, rubrics_by_id
from workbench.rubric.model import Rubric
from workbench.scoring.assessment import Assessment, ItemState
from workbench.scoring.store import ProjectedItem, ProjectionOutcome, Store


@dataclass(frozen=True)
class Plan:
    """The projected values per target item, and the target items left unanswered because their
    source items disagree."""

    items: dict[str, ProjectedItem]
    conflicts: dict[str, tuple[str, ...]]


def _carried(states: list[ItemState], answer: str | None) -> dict:
    """Answer, evidence and commentary (and, for a No, the improvement action) of the source
    items, merged: evidence without repeats, commentary labelled by item when there are several."""
    evidence, seen = [], set()
    for st in states:
        for link in st.evidence:
            if link.target not in seen:
                seen.add(link.target)
                evidence.append(link.to_json())
    notes = [(st.item_id, st.commentary.strip()) for st in states if st.commentary.strip()]
    if len({text for _, text in notes}) <= 1:
        commentary = notes[0][1] if notes else ""
    elif len(notes) == 1:
        commentary = notes[0][1]
    else:
        commentary = "\n".join(f"[{item_id}] {text}" for item_id, text in notes)
    action = next((st.action for st in states if st.action is not None), None)
    return {"answer": answer, "evidence": evidence, "commentary": commentary,
            "action": action.to_json() if action is not None and answer == "no" else None}


def plan(source: Assessment, walk: Crosswalk, target: Rubric) -> Plan:
    """What each target item would receive: only over equal and superset pairs (equal pairs
    preferred when an item has both); an item whose source answers disagree gets nothing."""
    items: dict[str, ProjectedItem] = {}
    conflicts: dict[str, tuple[str, ...]] = {}
    for _, item in target.items():
        pairs = walk.to_items(item.id)
        chosen = [p for p in pairs if p.relation == "equal"] or \
            [p for p in pairs if p.relation == "superset"]
        if not chosen:
            continue
        sources = tuple(dict.fromkeys(p.from_item for p in chosen))
        states = [source.item(s) for s in sources]
        answers = {st.answer for st in states if st.answer is not None}
        if len(answers) > 1:
            conflicts[item.id] = sources
            continue
        answer = answers.pop() if answers else None
        used = [st for st in states if st.answer == answer] if answer else states
        items[item.id] = ProjectedItem(
            values=_carried(used, answer), source_items=sources, relation=chosen[0].relation,
            source_versions={st.item_id: st.version for st in states})
    return Plan(items, conflicts)


def project(store: Store, source_id: int, target: Rubric, *, who: str,
            walk: Crosswalk | None = None) -> tuple[ProjectionOutcome, Plan]:
    """Project assessment ``source_id`` onto ``target`` (same provider, period and assessor
    label) with the crosswalk from its rubric to the target's; re-running it updates only the
    items nobody has changed or reviewed since."""
    source = store.load(source_id)
    if walk is None:
        walk = find_crosswalk(source.info.rubric_id, target.id, rubrics={
            **rubrics_by_id(), target.id: target})
    the_plan = plan(source, walk, target)
    outcome = store.project_into(source.info.provider, source.info.period, target,
                                 the_plan.items, who, source_id=source_id,
                                 assessor=source.info.assessor)
    return outcome, the_plan
