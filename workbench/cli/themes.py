"""`workbench themes ...`: the text themes of one register, each complaint's theme, as JSON too."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from workbench.cli import main

_RANGE = re.compile(r"^\s*(\d+)\s*(?:\.\.|-)\s*(\d+)\s*$")


def _themes_option(ctx: click.Context, param: click.Parameter, value: str
                   ) -> tuple[int | str, tuple[int, int] | None]:
    """"auto", a number, or a range "3..12" (auto within it)."""
    text = value.strip().lower()
    if text == "auto":
        return "auto", None
    if text.isdigit() and int(text) >= 1:
        return int(text), None
    if (m := _RANGE.match(text)) and 1 <= int(m[1]) <= int(m[2]):
        return "auto", (int(m[1]), int(m[2]))
    raise click.BadParameter(f"'{value}' is not a number of themes: use a number from 1, "
                             f"'auto', or a range such as 3..12 (auto within it)")


@main.command("themes")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--mapping", "mapping", type=click.Path(path_type=Path),
              help="Column mapping YAML (default: recognise the headers).")
@click.option("--themes", "themes_opt", default="auto", show_default=True,
              callback=_themes_option, metavar="N|auto|LO..HI",
              help="Number of themes, or auto: chosen from the data in 3..12 (or LO..HI), "
                   "the most stable number, then themes split where that is as stable.")
@click.option("--period", metavar="PERIOD",
              help="Records received in: 2024-25, 2024-25 Q1, 2024-05, 2024-04-01..2024-06-30; "
                   "the themes are then matched to the period before's.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def themes_cmd(path: Path, mapping: Path | None, themes_opt: tuple[int | str, Any],
               period: str | None, as_json: bool) -> None:
    """Text themes of the complaints register at PATH: labels, sizes, examples, assignments."""
    # the analysis stack is imported here, not at start-up, so every other command starts fast
    from workbench.analysis.periods import parse_period
    from workbench.register.loader import load_register

    parsed = parse_period(period) if period is not None else None  # a typo fails fast
    register = load_register(path, mapping)
    report = themes_report(register, n_themes=themes_opt[0], k_range=themes_opt[1],
                           period=parsed, source=str(path))
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(summary_text(report))


def themes_report(register: Any, *, n_themes: int | str = "auto",
                  k_range: tuple[int, int] | None = None, period: Any = None,
                  source: str = "") -> dict[str, Any]:
    """The `--json` object: themes, assignments (spreadsheet row, theme id or null), k, method,
    coverage, per-quarter shares (null without dates) and, with a period, the match to the
    period before."""
    import pandas as pd

    from workbench.analysis import themes, themes_match
    from workbench.core.errors import WorkbenchError

    frame = register.frame
    dated = "date_received" in frame and bool(frame["date_received"].notna().any())
    notes: list[str] = []
    previous = None
    if period is not None:
        if not dated:
            raise WorkbenchError(f"--period {period}: the register records no date received, "
                                 f"so its records cannot be picked by period", path=source)
        whole = register
        register = themes_match.in_period(whole, period)
        before = themes_match.previous_period(period)
        previous = (before, themes_match.in_period(whole, before))
    result = themes.discover(register, n_themes, k_range=k_range)
    if not dated:
        notes.append("the register records no date received: no per-quarter output and no "
                     "emerging themes")
    samples = result.samples
    themes_out = []
    for row in result.themes.itertuples(index=False):
        shown = samples[samples["theme"] == row.theme] if not samples.empty else samples
        themes_out.append({
            "id": int(row.theme), "label": str(row.label), "terms": list(row.terms),
            "size": int(row.size), "share": round(float(row.share), 4),
            "examples": [{"row": int(r), "summary": str(s)}
                         for r, s in zip(shown["_row"], shown["summary"], strict=True)],
        })
    a = result.assignments
    assignments = [{"row": int(r), "theme": None if pd.isna(t) else int(t)}
                   for r, t in zip(a["_row"], a["theme"], strict=True)]
    per_quarter = None
    if dated:
        per_quarter = [{"quarter": str(q), "theme": int(t), "count": int(c), "total": int(n),
                        "share": round(float(s), 4)}
                       for q, t, c, n, s in result.share[
                           ["quarter", "theme", "count", "total", "share"]].itertuples(
                               index=False)]
    out: dict[str, Any] = {
        "source": source,
        "period": period.as_dict() if period is not None else None,
        "k": result.k,
        "k_range": list(result.k_range) if result.k_range else None,
        "k_stability": ({str(k): v for k, v in result.k_scores.items()}
                        if result.k_scores else None),
        "method": result.method,
        "complaints": result.complaints,
        "with_text": result.documents,
        "themed": result.themed,
        "coverage": result.coverage_text,
        "themes": themes_out,
        "assignments": assignments,
        "per_quarter": per_quarter,
        "emerging": _emerging(result.emerging) if dated else None,
        "previous": None,
        "notes": notes,
    }
    if previous is not None:
        before, earlier = previous
        prior = themes.discover(earlier, n_themes, k_range=k_range)
        if prior.themes.empty:
            notes.append(f"no themes in {before.label} (the period before) to compare with")
            out["previous"] = {"period": before.as_dict(), "themed": prior.themed,
                               "matches": [], "new": [], "faded": []}
        else:
            match = themes_match.match_themes(result, prior)
            table = match.table
            out["previous"] = {
                "period": before.as_dict(), "themed": prior.themed,
                "criterion": match.criterion,
                "matches": [{"theme": None if pd.isna(t) else int(t),
                             "previous": None if pd.isna(p) else int(p),
                             "label": None if pd.isna(la) else str(la),
                             "previous_label": None if pd.isna(pl) else str(pl),
                             "similarity": None if pd.isna(s) else float(s),
                             "status": str(st)}
                            for t, la, p, pl, s, st in table.itertuples(index=False)],
                "new": match.new, "faded": match.faded,
            }
    return out


def _emerging(table: Any) -> list[str]:
    if table.empty or "label" not in table:
        return []
    return [str(x) for x in table.loc[table["emerging"].astype(bool), "label"]]


def summary_text(report: dict[str, Any]) -> str:
    """The themes report as plain text."""
    period = report["period"]["label"] if report.get("period") else "all records"
    lines = [f"Themes: {report['source']} ({period})" if report["source"] else "Themes",
             f"  {report['coverage']}", f"  {report['method']}", ""]
    if not report["themes"]:
        lines.append("No themes: no complaint has enough text.")
    for t in report["themes"]:
        lines.append(f"{t['id']:>3}  {t['label']}  ({t['size']:,} complaints, "
                     f"{100 * t['share']:.1f} %)")
        lines.append(f"     terms: {', '.join(t['terms'])}")
        lines += [f"     e.g. row {e['row']}: \"{e['summary']}\"" for e in t["examples"]]
    if report["per_quarter"] is not None and report["per_quarter"]:
        shares: dict[str, dict[int, float]] = {}
        for r in report["per_quarter"]:
            shares.setdefault(r["quarter"], {})[r["theme"]] = r["share"]
        ids = [t["id"] for t in report["themes"]]
        lines += ["", "Share of themed complaints per financial quarter (%)",
                  "  " + f"{'quarter':<12}" + "".join(f"{i:>7}" for i in ids)]
        for quarter, row in shares.items():
            lines.append("  " + f"{quarter:<12}"
                         + "".join(f"{100 * row.get(i, 0):>7.1f}" for i in ids))
        if report["emerging"]:
            lines.append(f"  emerging in the latest quarter: {'; '.join(report['emerging'])}")
    prev = report.get("previous")
    if prev:
        lines += ["", f"Against {prev['period']['label']} (the period before, "
                      f"{prev['themed']:,} complaints with themes)"]
        for m in prev["matches"]:
            if m["status"] == "continuing":
                lines.append(f"  theme {m['theme']} continues {prev['period']['label']} theme "
                             f"{m['previous']} ({m['previous_label']}; similarity "
                             f"{m['similarity']:.2f})")
        lines.append(f"  new: {'; '.join(prev['new']) if prev['new'] else 'none'}")
        lines.append(f"  faded: {'; '.join(prev['faded']) if prev['faded'] else 'none'}")
    for note in report["notes"]:
        lines += ["", f"Note: {note}."]
    return "\n".join(lines)
