"""`workbench assessment ...` and `workbench form ...`: scores, history, locking, Excel forms."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import click

from workbench.cli import main
from workbench.core.atomic import write_text
from workbench.core.errors import WorkbenchError
from workbench.rubric.model import Rubric, load_rubric

DB_OPTION = click.option("--db", default=None, metavar="PATH|URL",
                         help="Database file or URL (default: WORKBENCH_DB, else "
                              "outputs/workbench.db).")
RUBRIC_OPTION = click.option("--rubric", "rubric_arg", default=None, metavar="FILE|ID",
                             help="Rubric file or id (default: the assessment's own rubric).")
WHO_OPTION = click.option("--who", default=None,
                          help="Your name for the audit trail (default: WORKBENCH_ASSESSOR or "
                               "your login name).")


def _select(f):
    """Options that pick one assessment: --id, or --provider and --period (and --assessor)."""
    f = click.option("--assessor", default=None, help="The assessment's assessor label, when "
                     "several auditors assessed the same provider and period.")(f)
    f = click.option("--period", default=None, help="Financial year, e.g. 2024-25.")(f)
    f = click.option("--provider", default=None, help="Provider id.")(f)
    return click.option("--id", "assessment_id", type=int, default=None,
                        help="Assessment id.")(f)


def _store(db):
    """The store a command writes new assessments to, created when there is none yet."""
    from workbench.scoring.store import Store

    return Store(db)


def _existing(db, provider=None, period=None):
    """The store a command reads, or changes existing assessments in: never created, so a
    mistyped --db is an error naming the path, not a new empty store."""
    from workbench.scoring.store import StoreMissing, open_existing

    try:
        return open_existing(db)
    except StoreMissing as exc:
        if provider and period:
            raise StoreMissing(f"no assessment for {provider} {period}: {exc}") from None
        raise


def _selected(assessment_id, provider, period) -> None:
    if assessment_id is None and (not provider or not period):
        raise WorkbenchError("say which assessment: --id N, or --provider P --period YYYY-YY",
                             exit_code=2)


def _open_selected(db, assessment_id, provider, period, assessor):
    """(store, the assessment picked by --id or --provider/--period/--assessor)."""
    _selected(assessment_id, provider, period)
    store = _existing(db, *((provider, period) if assessment_id is None else ()))
    return store, _pick(store, assessment_id, provider, period, assessor)


def _pick(store, assessment_id, provider, period, assessor):
    if assessment_id is not None:
        return store.info(assessment_id)
    _selected(assessment_id, provider, period)
    return store.find(provider, period, assessor=assessor)


def _rubric(arg: str | None, info) -> Rubric:
    from workbench.scoring.assessment import find_rubric

    if arg is None:
        return find_rubric(info.rubric_id, info.rubric_version)
    if Path(arg).exists() or arg.endswith((".yaml", ".yml")):
        return load_rubric(arg)
    return find_rubric(arg)


def _who(who: str | None) -> str:
    from workbench.scoring.assessment import default_assessor

    return who or default_assessor()


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


@main.group()
def assessment() -> None:
    """Scored assessments: show, history, finalise, reopen, compare, export."""


@assessment.command("start")
@click.option("--provider", required=True)
@click.option("--period", required=True)
@click.option("--rubric", "rubric_arg", required=True, metavar="FILE|ID")
@click.option("--assessor", default="", help="Assessor label (for independent second scoring).")
@click.option("--from-previous", is_flag=True,
              help="Start from last period's answers (year on year baseline).")
@WHO_OPTION
@DB_OPTION
def start(provider, period, rubric_arg, assessor, from_previous, who, db) -> None:
    """Start an assessment for a provider and period."""
    from workbench.scoring.assessment import previous_period

    rubric = _rubric(rubric_arg, None)
    store = _store(db)
    if from_previous:
        prev = store.find(provider, previous_period(period), rubric_id=rubric.id,
                          assessor=assessor)
        aid = store.start_from(prev.id, period, rubric, who=_who(who), assessor=assessor)
        click.echo(f"assessment {aid}: {provider} {period} started from assessment {prev.id} "
                   f"({prev.period})")
    else:
        aid = store.create_assessment(provider, period, rubric, who=_who(who), assessor=assessor)
        click.echo(f"assessment {aid}: {provider} {period} started")


@assessment.command("show")
@_select
@RUBRIC_OPTION
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def show(assessment_id, provider, period, assessor, rubric_arg, db, as_json) -> None:
    """Scores by section and in total."""
    from workbench.scoring.assessment import finalise_problems, scores, unevidenced_yes

    store, info = _open_selected(db, assessment_id, provider, period, assessor)
    rubric = _rubric(rubric_arg, info)
    loaded = store.load(info.id)
    result = scores(rubric, loaded)
    blockers = finalise_problems(rubric, loaded)
    if as_json:
        _echo_json({"id": info.id, "provider": info.provider, "period": info.period,
                    "assessor": info.assessor, "status": info.status, "rubric_id": rubric.id,
                    "rubric_version": rubric.version, **result.to_json(),
                    "yes_without_evidence": unevidenced_yes(rubric, loaded),
                    "blockers": len(blockers)})
        return
    click.echo(f"{info.label}: {rubric.title} {rubric.version} - {info.status}")
    click.echo(f"  {'section':<44} {'score':>7} {'%':>6} {'answered':>9}")
    for s in result.sections:
        click.echo(f"  {(s.id + '. ' + s.name)[:44]:<44} {f'{s.score}/{s.max_points}':>7} "
                   f"{s.pct:>6.1f} {f'{s.answered}/{s.items}':>9}")
    click.echo(f"  {'Total':<44} {result!s:>7} {result.pct:>6.1f} "
               f"{f'{result.answered}/{result.items}':>9}")
    missing = unevidenced_yes(rubric, loaded)
    if missing:
        click.echo(f"  Yes without evidence: {', '.join(missing)}")
    if info.status != "final":
        click.echo(f"  {len(blockers)} thing(s) to do before it can be finalised"
                   if blockers else "  ready to finalise")


@assessment.command("history")
@_select
@click.option("--item", default=None, help="Only this item's changes.")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
def history(assessment_id, provider, period, assessor, item, db, as_json) -> None:
    """The event log: every change, who made it, when and why."""
    store, info = _open_selected(db, assessment_id, provider, period, assessor)
    evs = store.history(info.id, item)
    if as_json:
        _echo_json([ev.__dict__ for ev in evs])
        return
    for ev in evs:
        what = f"item {ev.item_id} {ev.field}" if ev.item_id else ev.field
        reason = f"  ({ev.reason})" if ev.reason else ""
        click.echo(f"{ev.seq:>5}  {ev.at[:19].replace('T', ' ')}  {ev.who:<16} {what}: "
                   f"{json.dumps(ev.old, ensure_ascii=False)} -> "
                   f"{json.dumps(ev.new, ensure_ascii=False)}{reason}")


@assessment.command("finalise")
@_select
@RUBRIC_OPTION
@WHO_OPTION
@DB_OPTION
def finalise(assessment_id, provider, period, assessor, rubric_arg, who, db) -> None:
    """Lock the assessment, or list every blocker (exit 1)."""
    store, info = _open_selected(db, assessment_id, provider, period, assessor)
    store.finalise(info.id, _rubric(rubric_arg, info), _who(who))
    click.echo(f"{info.label} finalised")


@assessment.command("reopen")
@_select
@click.option("--reason", required=True, help="Why it is reopened (kept in the history).")
@WHO_OPTION
@DB_OPTION
def reopen(assessment_id, provider, period, assessor, reason, who, db) -> None:
    """Unlock a finalised assessment, recording why."""
    store, info = _open_selected(db, assessment_id, provider, period, assessor)
    store.reopen(info.id, _who(who), reason)
    click.echo(f"{info.label} reopened")


@assessment.command("compare")
@click.argument("ids", nargs=-1, type=int)
@click.option("--provider", default=None)
@click.option("--period", "periods", multiple=True, help="One or two periods.")
@click.option("--assessor", "assessors", multiple=True, help="One or two assessor labels.")
@RUBRIC_OPTION
@DB_OPTION
@click.option("--json", "as_json", is_flag=True)
def compare_cmd(ids, provider, periods, assessors, rubric_arg, db, as_json) -> None:
    """Compare two assessments item by item, with agreement % and Cohen's kappa.

    Give two ids, or --provider with two --period (year on year) or two --assessor
    (two auditors, same period).
    """
    from workbench.scoring.assessment import agreement, compare

    if len(ids) != 2 and not (not ids and provider and (len(periods) == 2 or len(assessors) == 2)):
        raise WorkbenchError("compare needs two assessment ids, or --provider with two --period "
                             "or two --assessor", exit_code=2)
    store = _existing(db)
    if len(ids) == 2:
        a, b = store.info(ids[0]), store.info(ids[1])
    elif not ids and provider and (len(periods) == 2 or len(assessors) == 2):
        pa = periods[0] if periods else None
        pb = periods[-1] if periods else None
        aa = assessors[0] if assessors else None
        ab = assessors[-1] if assessors else None
        if pa is None:
            raise WorkbenchError("give --period with two --assessor", exit_code=2)
        a = store.find(provider, pa, assessor=aa)
        b = store.find(provider, pb, assessor=ab)
    else:
        raise WorkbenchError("compare needs two assessment ids, or --provider with two --period "
                             "or two --assessor", exit_code=2)
    rubric = _rubric(rubric_arg, a)
    la, lb = store.load(a.id), store.load(b.id)
    frame = compare(rubric, la, lb)
    agree = agreement(la.answers(), lb.answers())
    if as_json:
        _echo_json({"a": a.__dict__, "b": b.__dict__, "agreement": agree,
                    "items": frame.to_dict(orient="records")})
        return
    click.echo(f"A: {a.label}\nB: {b.label}")
    for row in frame.itertuples():
        mark = " " if row.same else "*"
        click.echo(f" {mark} {row.item:<6} {row.a or '-':<4} {row.b or '-':<4} {row.text[:70]}")
    kappa = "n/a" if agree["kappa"] is None else f"{agree['kappa']:.3f}"
    pct = "n/a" if agree["agreement_pct"] is None else f"{agree['agreement_pct']:.1f} %"
    click.echo(f"agreement {pct} over {agree['compared']} items answered by both; "
               f"Cohen's kappa {kappa}; {len(agree['disagreements'])} disagreement(s)")


@assessment.command("project")
@click.option("--provider", required=True)
@click.option("--period", required=True)
@click.option("--to", "to_arg", required=True, metavar="FILE|ID",
              help="The rubric to project onto (e.g. housing-ombudsman-code-2024).")
@click.option("--from", "from_arg", default=None, metavar="FILE|ID",
              help="The source assessment's rubric, when the provider has several for the period.")
@click.option("--assessor", default="", help="The source assessment's assessor label.")
@WHO_OPTION
@DB_OPTION
def project_cmd(provider, period, to_arg, from_arg, assessor, who, db) -> None:
    """Pre-fill an assessment against another rubric from this one, over the crosswalk.

    Answers (with evidence and commentary) are carried only over equal and superset pairs and
    marked "projected from ..., needs review"; the rest is left unanswered. Run it again after
    the source changes: only items nobody has changed or reviewed since are updated."""
    from workbench.scoring.projection import project

    target = _rubric(to_arg, None)
    store = _existing(db, provider, period)
    source_rubric = _rubric(from_arg, None).id if from_arg else None
    found = [a for a in store.assessments(provider, period, source_rubric, assessor)
             if a.rubric_id != target.id]
    if not found:
        raise WorkbenchError(f"no assessment for {provider} {period} to project onto "
                             f"{target.id}", exit_code=1)
    if len(found) > 1:
        listing = "; ".join(f"{a.id}: rubric {a.rubric_id}" for a in found)
        raise WorkbenchError(f"{len(found)} assessments for {provider} {period} ({listing}): "
                             "say which with --from RUBRIC", exit_code=2)
    outcome, plan = project(store, found[0].id, target, who=_who(who))
    verb = "started" if outcome.created else "updated"
    click.echo(f"assessment {outcome.assessment_id} ({provider} {period}, {target.id}) {verb} "
               f"from assessment {found[0].id} ({found[0].rubric_id})")
    click.echo(f"  projected {len(outcome.projected)}, updated {len(outcome.updated)}, "
               f"unchanged {len(outcome.unchanged)}, kept as reviewed {len(outcome.kept)}; "
               f"{target.item_count - len(plan.items) - len(plan.conflicts)} of "
               f"{target.item_count} items left unanswered (no equal or superset pair)")
    for item_id in (*outcome.projected, *outcome.updated):
        state = plan.items[item_id]
        click.echo(f"  {item_id:<6} {state.values.get('answer') or 'unanswered':<10} projected "
                   f"from {', '.join(state.source_items)}, needs review")
    for item_id, sources in plan.conflicts.items():
        click.echo(f"  {item_id:<6} left unanswered: its source items {', '.join(sources)} "
                   "disagree")
    if outcome.kept:
        click.echo(f"  kept (changed or reviewed since the last projection): "
                   f"{', '.join(outcome.kept)}")


@assessment.command("export")
@_select
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (default: standard output).")
@RUBRIC_OPTION
@DB_OPTION
def export(assessment_id, provider, period, assessor, fmt, output, rubric_arg, db) -> None:
    """Export every item's answer, evidence, commentary and action as JSON or CSV."""
    from workbench.scoring.assessment import scores
    from workbench.scoring.excelform import neutralise_csv

    store, info = _open_selected(db, assessment_id, provider, period, assessor)
    rubric = _rubric(rubric_arg, info)
    loaded = store.load(info.id)
    rows = []
    for section, item in rubric.items():
        st = loaded.item(item.id)
        rows.append({"item": item.id, "section": section.id, "text": item.text,
                     "answer": st.answer or "",
                     "evidence": [e.to_json() for e in st.evidence],
                     "commentary": st.commentary,
                     "action": st.action.to_json() if st.action else None,
                     "version": st.version, "updated_by": st.assessor or "",
                     "updated_at": st.updated_at or ""})
    if fmt == "json":
        text = json.dumps({"assessment": info.__dict__, "scores": scores(rubric, loaded).to_json(),
                           "items": rows}, indent=2, ensure_ascii=False) + "\n"
    else:
        buf = io.StringIO()
        fields = ["item", "section", "text", "answer", "evidence", "commentary", "action_what",
                  "action_owner", "action_due", "version", "updated_by", "updated_at"]
        writer = csv.DictWriter(buf, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            action = r.pop("action") or {}
            r["evidence"] = "\n".join(f"{e['label']} | {e['target']}" for e in r["evidence"])
            r.update(action_what=action.get("what", ""), action_owner=action.get("owner", ""),
                     action_due=action.get("due") or "")
            writer.writerow({k: neutralise_csv(v) for k, v in r.items()})
        text = buf.getvalue()
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)


def _this_period(today: date | None = None) -> str:
    today = today or date.today()
    start = today.year if today.month >= 4 else today.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


@main.group()
def form() -> None:
    """Excel self-assessment forms for providers: export and import."""


@form.command("export")
@click.option("--rubric", "rubric_arg", required=True, metavar="FILE|ID")
@click.option("--provider", required=True)
@click.option("--period", default=None, help="Financial year (default: the current one).")
@click.option("--prefill", is_flag=True, help="Fill in the answers stored for this period.")
@click.option("--layout", type=click.Choice(["workbench", "ombudsman"]), default="workbench",
              help="workbench: the importable form (xlsx); ombudsman: the Code's published "
                   "self-assessment layout (OUT.xlsx or OUT.docx), filled from the store.")
@click.argument("out", type=click.Path(path_type=Path))
@DB_OPTION
def form_export(rubric_arg, provider, period, prefill, layout, out, db) -> None:
    """Write a self-assessment workbook OUT.xlsx for a provider to fill in (or, with --layout
    ombudsman, the regulator's self-assessment form OUT.xlsx or OUT.docx)."""
    from workbench.scoring.excelform import export_form

    rubric = _rubric(rubric_arg, None)
    period = period or _this_period()
    if layout == "ombudsman":
        _export_ombudsman(rubric, provider, period, out, db)
        return
    from workbench.scoring.store import existing_default_db

    stored = None
    source = db or existing_default_db()  # reading the versions never creates a store
    if db or (source and (prefill or "://" in str(source) or Path(source).exists())):
        store = _existing(source)
        found = store.assessments(provider, period, rubric.id, "")
        stored = store.load(found[0].id) if found else None
    export_form(rubric, provider, period, out, stored if prefill else None, stored=stored)
    click.echo(f"wrote {out} ({rubric.item_count} items, {provider} {period})")


def _export_ombudsman(rubric: Rubric, provider: str, period: str, out: Path, db) -> None:
    from workbench.scoring import codeform
    from workbench.scoring.store import existing_default_db

    source = db or existing_default_db()
    stored = None
    if source:
        store = _existing(source)
        found = store.assessments(provider, period, rubric.id, "")
        stored = store.load(found[0].id) if found else None
    codeform.export(rubric, provider, period, out, stored)
    answered = sum(1 for s in (stored.items.values() if stored else ()) if s.answer)
    projected = sum(1 for s in (stored.items.values() if stored else ()) if s.projection_note)
    click.echo(f"wrote {out} ({rubric.item_count} provisions, {provider} {period}: {answered} "
               f"answered, {projected} projected and awaiting review)")


@form.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--provider", required=True)
@click.option("--assessor", default=None, help="Name recorded in the audit trail.")
@click.option("--rubric", "rubric_arg", default=None, metavar="FILE|ID",
              help="Rubric file or id (default: the one named in the workbook).")
@click.option("--force", is_flag=True,
              help="Overwrite items saved in the store since the form was exported (recorded "
                   "in the audit trail).")
@DB_OPTION
def form_import(path, provider, assessor, rubric_arg, force, db) -> None:
    """Check a returned workbook and import it (all or nothing). Items saved in the store since
    the export stop the import (exit 3) unless --force."""
    from workbench.scoring.assessment import scores
    from workbench.scoring.excelform import import_form

    rubric = _rubric(rubric_arg, None) if rubric_arg else None
    store = _store(db)
    aid = import_form(path, provider, store, assessor, rubric=rubric, force=force)
    loaded = store.load(aid)
    used = rubric or _rubric(None, loaded.info)
    click.echo(f"imported {path} into {loaded.info.label}: score {scores(used, loaded)}")
