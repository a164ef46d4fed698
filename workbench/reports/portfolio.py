"""The portfolio: every provider side by side, sector benchmarks, a funnel plot, xlsx and html."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from workbench.analysis import charts
from workbench.analysis.measures import coverage_text
from workbench.reports.htmlreport import (
    SUPPRESSED,
    chart_svg,
    period_text,
    table_rows,
    write_html,
)
from workbench.reports.results import ProviderResults
from workbench.reports.scorecard import SECTION_RAG, kpi_rag

# Counts of 1 to 4 are shown as "<5" (0 is shown: it identifies nobody).
SUPPRESS_BELOW = 5
Z95 = 1.96
Z998 = 3.09

ID_COLUMNS = ["provider", "name", "service_type", "period", "service_users"]
COUNT_COLUMNS = ["complaints", "compliments", "decided", "upheld", "escalated"]
# rate column -> the counts it is computed from (suppressed when any of them is)
RATE_SOURCES: dict[str, tuple[str, ...]] = {
    "upheld_pct": ("upheld", "decided"),
    "complaints_per_100": ("complaints",),
    "upheld_per_100": ("upheld",),
    "escalated_pct": ("escalated", "complaints"),
    "acknowledged_within_target_pct": ("complaints",),
    "responded_within_target_pct": ("complaints",),
    "median_working_days_to_respond": ("complaints",),
    "rca_coverage": ("upheld",),
    "stage1_within_timescale_pct": ("complaints",),
}
LABELS: dict[str, str] = {
    "provider": "Provider id", "name": "Provider", "service_type": "Service type",
    "period": "Period", "service_users": "Service users", "total_score": "Total score",
    "max_score": "Maximum", "total_pct": "Total %", "complaints": "Complaints",
    "compliments": "Compliments", "decided": "Decided", "upheld": "Upheld or partly upheld",
    "escalated": "Escalated", "upheld_pct": "% upheld (of decided)",
    "complaints_per_100": "Complaints per 100 service users",
    "upheld_per_100": "Upheld per 100 service users", "escalated_pct": "% escalated",
    "acknowledged_within_target_pct": "% acknowledged within target",
    "responded_within_target_pct": "% responded to within target",
    "median_working_days_to_respond": "Median working days to respond",
    "rca_coverage": "% upheld with root cause", "overdue_actions": "Overdue actions",
    "no_items": "Items scored No", "no_item_actions_overdue": "Their actions overdue",
    "no_items_without_action": "Scored No with no action",
    "regime": "Held to",
    "stage1_within_timescale_pct": "% answered within its own regime's timescale (stage 1)",
}
# The self-assessment's items answered No (None when not scored): counts of items, not people
NO_ITEM_COLUMNS = ["no_items", "no_item_actions_overdue", "no_items_without_action"]
# Benchmarked measures and whether a higher value is better (None: neither, e.g. volume).
BENCHMARK_MEASURES: dict[str, bool | None] = {
    "total_pct": True, "complaints_per_100": None, "upheld_pct": None, "upheld_per_100": None,
    "acknowledged_within_target_pct": True, "responded_within_target_pct": True,
    "median_working_days_to_respond": False, "escalated_pct": False, "rca_coverage": True,
    "overdue_actions": False, "stage1_within_timescale_pct": True,
}
# measure -> (numerator count column, denominator count column)
FUNNEL_MEASURES: dict[str, tuple[str, str]] = {
    "upheld": ("upheld", "decided"),
    "escalated": ("escalated", "complaints"),
}
_SECTION = re.compile(r"^\d+\. ")


def is_suppressed(value: Any) -> bool:
    """True for the "<5" marker."""
    return isinstance(value, str) and value == SUPPRESSED


def suppress_count(value: Any, below: int = SUPPRESS_BELOW) -> Any:
    """"<5" for a count of 1 to ``below`` - 1; the count itself otherwise."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool) \
            and not (isinstance(value, float) and math.isnan(value)) and 0 < value < below:
        return SUPPRESSED
    return value


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, (str, bool)):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _per_100(count: Any, users: Any) -> float | None:
    c, u = _num(count), _num(users)
    return round(100 * c / u, 1) if c is not None and u else None


def section_columns(table: pd.DataFrame) -> list[str]:
    """The section score columns ("1. Organisational Culture", ...)."""
    return [c for c in table.columns if _SECTION.match(str(c))]


def _row(r: ProviderResults) -> dict[str, Any]:
    s = r.summary()
    escalated = None
    if _num(s["escalated_pct"]) is not None and _num(s["complaints"]) is not None:
        escalated = round(float(s["escalated_pct"]) * float(s["complaints"]) / 100)
    row: dict[str, Any] = {
        "provider": r.provider_id, "name": r.provider_name, "service_type": r.service_type,
        "period": r.period, "service_users": r.service_users,
    }
    for sec in r.sections:
        row[f"{sec.id}. {sec.name}"] = sec.score
    total, top = r.total_score, r.max_score
    row.update({
        "total_score": total, "max_score": top or None,
        "total_pct": round(100 * total / top, 1) if total is not None and top else None,
        "complaints": s["complaints"], "compliments": s["compliments"],
        "decided": s["decided"], "upheld": s["upheld"], "escalated": escalated,
        "upheld_pct": s["upheld_pct"],
        "complaints_per_100": _per_100(s["complaints"], r.service_users),
        "upheld_per_100": _per_100(s["upheld"], r.service_users),
        "escalated_pct": s["escalated_pct"],
        "acknowledged_within_target_pct": s["acknowledged_within_target_pct"],
        "responded_within_target_pct": s["responded_within_target_pct"],
        "median_working_days_to_respond": s["median_working_days_to_respond"],
        "rca_coverage": s["rca_coverage"], "overdue_actions": s["overdue_actions"],
        **{c: s.get(c) for c in NO_ITEM_COLUMNS},
        "regime": s.get("regime_title"),
        "stage1_within_timescale_pct": s.get("stage1_within_timescale_pct"),
    })
    return row


def suppress(table: pd.DataFrame, below: int = SUPPRESS_BELOW) -> pd.DataFrame:
    """``table`` with counts of 1-4 shown as "<5" and every rate computed from a suppressed
    count shown as "<5" too."""
    out = table.astype(object).copy()
    for col in COUNT_COLUMNS:
        if col in out:
            out[col] = [suppress_count(v, below) for v in out[col]]
    for rate, sources in RATE_SOURCES.items():
        if rate in out:
            hidden = np.zeros(len(out), dtype=bool)
            for src in sources:
                if src in out:
                    hidden |= np.array([is_suppressed(v) for v in out[src]], dtype=bool)
            out[rate] = [SUPPRESSED if h and _num(v) is not None else v
                         for h, v in zip(hidden, out[rate], strict=True)]
    return out


def portfolio_table(results: list[ProviderResults], *, suppress_small: bool = True
                    ) -> pd.DataFrame:
    """One row per provider: ids, section scores ("1. Organisational Culture" ...), total, key
    KPIs, complaints and upheld per 100 service users. With ``suppress_small`` (the default,
    for anything shared) counts of 1-4 and the rates computed from them are "<5"."""
    rows = [_row(r) for r in results]
    sections: dict[str, tuple[int, str]] = {}
    for r in results:
        for sec in r.sections:
            key = f"{sec.id}. {sec.name}"
            sections.setdefault(key, (int(sec.id) if sec.id.isdigit() else 999, key))
    section_cols = [k for k, _ in sorted(sections.items(), key=lambda kv: kv[1])]
    kpi_cols = [c for c in LABELS if c not in ID_COLUMNS and c not in
                ("total_score", "max_score", "total_pct")]
    columns = [*ID_COLUMNS, *section_cols, "total_score", "max_score", "total_pct", *kpi_cols]
    table = pd.DataFrame(rows, columns=columns).astype(object)
    table = table.where(pd.notna(table), None)
    return suppress(table) if suppress_small else table


def benchmark(table: pd.DataFrame) -> pd.DataFrame:
    """Sector figures per measure: providers with a figure, min, lower quartile, median, upper
    quartile, max ("<5" and blanks are left out). Index: measure key; column ``label``."""
    measures = section_columns(table) + [m for m in BENCHMARK_MEASURES if m in table.columns]
    rows = []
    for m in measures:
        values = pd.to_numeric(pd.Series([_num(v) for v in table[m]], dtype="float64"),
                               errors="coerce").dropna()
        stats = {"measure": m, "label": LABELS.get(m, m),
                 "higher_is_better": BENCHMARK_MEASURES.get(m, True), "providers": len(values)}
        if len(values):
            stats.update(min=values.min(), q1=values.quantile(0.25), median=values.median(),
                         q3=values.quantile(0.75), max=values.max())
        rows.append(stats)
    cols = ["measure", "label", "higher_is_better", "providers", "min", "q1", "median", "q3",
            "max"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("min", "q1", "median", "q3", "max"):
        out[c] = out[c].astype("float64").round(2)
    return out.set_index("measure")


def positions(table: pd.DataFrame, bench: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each provider against the sector per measure: "above upper quartile", "above median",
    "at median", "below median", "below lower quartile" (blank when no figure)."""
    bench = benchmark(table) if bench is None else bench
    out = pd.DataFrame({"provider": table["provider"], "name": table["name"]})
    for m, b in bench.iterrows():
        col = []
        for v in table[m]:
            x = _num(v)
            if x is None or pd.isna(b["median"]):
                col.append(None)
            elif x > b["q3"]:
                col.append("above upper quartile")
            elif x > b["median"]:
                col.append("above median")
            elif x == b["median"]:
                col.append("at median")
            elif x >= b["q1"]:
                col.append("below median")
            else:
                col.append("below lower quartile")
        out[m] = pd.Series(col, index=out.index, dtype=object)
    return out


def limits(p: float, n: Any) -> dict[str, Any]:
    """Binomial control limits around proportion ``p`` for denominator(s) ``n``:
    p ± z·sqrt(p(1-p)/n), z = 1.96 (95 %) and 3.09 (99.8 %), clipped to [0, 1]."""
    n_arr = np.asarray(n, dtype="float64")
    se = np.sqrt(p * (1 - p) / n_arr)
    return {"lower95": np.clip(p - Z95 * se, 0, 1), "upper95": np.clip(p + Z95 * se, 0, 1),
            "lower998": np.clip(p - Z998 * se, 0, 1), "upper998": np.clip(p + Z998 * se, 0, 1)}


def funnel_data(table: pd.DataFrame, measure: str = "upheld", *, pooled: float | None = None
                ) -> pd.DataFrame:
    """Providers as funnel points: count, n (denominator), rate (0-1), the pooled rate, the
    95 % and 99.8 % limits at their n, and ``flag`` ("above 99.8 %", "above 95 %", "within",
    "below 95 %", "below 99.8 %"). Providers with a suppressed or missing count are left out.
    ``pooled`` defaults to sum(count) / sum(n) over the providers shown."""
    num_col, den_col = FUNNEL_MEASURES[measure]
    rows = []
    for _, r in table.iterrows():
        x, n = _num(r.get(num_col)), _num(r.get(den_col))
        if x is None or n is None or n <= 0:
            continue
        rows.append({"provider": r["provider"], "name": r["name"], "count": int(x), "n": int(n),
                     "rate": x / n})
    cols = ["provider", "name", "count", "n", "rate", "pooled", "lower95", "upper95", "lower998",
            "upper998", "flag"]
    if not rows:
        return pd.DataFrame(columns=cols)
    data = pd.DataFrame(rows)
    p = pooled if pooled is not None else data["count"].sum() / data["n"].sum()
    data["pooled"] = p
    for k, v in limits(p, data["n"]).items():
        data[k] = v
    data["flag"] = np.select(
        [data["rate"] > data["upper998"], data["rate"] > data["upper95"],
         data["rate"] < data["lower998"], data["rate"] < data["lower95"]],
        ["above 99.8 %", "above 95 %", "below 99.8 %", "below 95 %"], "within")
    data.attrs["measure"] = measure
    return data[cols]


def pooled_rate(results: list[ProviderResults], measure: str = "upheld") -> float | None:
    """The sector rate from unsuppressed totals (a total across providers identifies nobody)."""
    raw = portfolio_table(results, suppress_small=False)
    num_col, den_col = FUNNEL_MEASURES[measure]
    x = sum(_num(v) or 0 for v in raw[num_col])
    n = sum(_num(v) or 0 for v in raw[den_col])
    return x / n if n else None


FLAG_ORDER = ["above 99.8 %", "above 95 %", "within", "below 95 %", "below 99.8 %"]
FLAG_COLOURS = ["#b2182b", "#ef8a62", "#4d4d4d", "#67a9cf", "#2166ac"]


def funnel_plot(data: pd.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """The funnel plot of ``data`` (funnel_data) as the dashboards draw it: rate against its
    denominator, pooled rate and control limits, every provider named (charts.funnel_plot)."""
    measure = data.attrs.get("measure", "upheld")
    _, den_col = FUNNEL_MEASURES.get(measure, ("upheld", "decided"))
    n_title = ("Complaints with a decided outcome" if den_col == "decided"
               else f"{den_col.capitalize()} complaints")
    return charts.funnel_plot(data, rate_title=f"{measure.capitalize()} rate", n_title=n_title,
                              title=title)


def display_table(table: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """``table`` with display labels as column names (for xlsx and html)."""
    cols = columns or list(table.columns)
    return table[cols].rename(columns=LABELS)


def _xlsx(table: pd.DataFrame, bench: pd.DataFrame, pos: pd.DataFrame, funnel: pd.DataFrame,
          notes: list[tuple[str, Any]], path: Path,
          expectations: dict[str, Any] | None = None,
          coverage: list[dict[str, Any]] | None = None) -> Path:
    # openpyxl only when a workbook is written: the portfolio dashboard imports this module
    from workbench.reports.excel import (
        PCT_FORMAT,
        new_workbook,
        save_workbook,
        write_frame,
        write_pairs,
    )

    wb = new_workbook()
    rules = {k: kpi_rag(k, expectations) for k in table.columns}
    rag = {"total_pct": SECTION_RAG, **{k: r for k, r in rules.items() if r is not None}}
    write_frame(wb.create_sheet("Portfolio"), table, headers=LABELS, rag=rag,
                number_formats={c: PCT_FORMAT for c in RATE_SOURCES} | {"total_pct": PCT_FORMAT})
    write_frame(wb.create_sheet("Benchmark"), bench.reset_index(),
                headers={"measure": "Measure key", "label": "Measure",
                         "higher_is_better": "Higher is better", "providers": "Providers",
                         "min": "Min", "q1": "Lower quartile", "median": "Median",
                         "q3": "Upper quartile", "max": "Max"},
                number_formats={c: "0.0#" for c in ("min", "q1", "median", "q3", "max")})
    write_frame(wb.create_sheet("Position"), pos, headers=LABELS,
                text_rag={m: {"above upper quartile": "green", "below lower quartile": "red"}
                          if bench.loc[m, "higher_is_better"] is True else
                          {"above upper quartile": "red", "below lower quartile": "green"}
                          for m in bench.index if bench.loc[m, "higher_is_better"] is not None})
    write_frame(wb.create_sheet("Funnel"), funnel,
                headers={"provider": "Provider id", "name": "Provider", "count": "Upheld",
                         "n": "Decided", "rate": "Rate", "pooled": "Pooled rate",
                         "lower95": "Lower 95 %", "upper95": "Upper 95 %",
                         "lower998": "Lower 99.8 %", "upper998": "Upper 99.8 %", "flag": "Flag"},
                number_formats={c: "0.0%" for c in ("rate", "pooled", "lower95", "upper95",
                                                    "lower998", "upper998")},
                text_rag={"flag": {"above 99.8 %": "red", "above 95 %": "amber",
                                   "below 95 %": "green", "below 99.8 %": "green"}})
    if coverage:
        write_frame(wb.create_sheet("Coverage"), pd.DataFrame(coverage),
                    headers={"name": "Provider", "measure": "Measure",
                             "coverage": "Counted over"}, wrap=("coverage",))
    write_pairs(wb.create_sheet("Notes"), notes)
    return save_workbook(wb, path)


def notes(results: list[ProviderResults]) -> list[tuple[str, Any]]:
    """The method notes printed with every portfolio output."""
    periods = sorted({r.period for r in results})
    return [
        ("Providers", len(results)),
        ("Period", ", ".join(periods)),
        ("Produced", dt.date.today().isoformat()),
        ("Small numbers", f"Counts of 1 to {SUPPRESS_BELOW - 1} are shown as \"{SUPPRESSED}\", "
                          "and so is every rate computed from such a count."),
        ("Benchmark", "Sector median and quartiles over the providers with a figure."),
        ("Regimes", _regimes_note(results)),
        ("Funnel plot", f"Binomial limits around the pooled rate: p ± z·√(p(1−p)/n), z = {Z95} "
                        f"(95 %) and {Z998} (99.8 %), clipped to 0-100 %. Providers with "
                        "suppressed counts are not plotted; the pooled rate uses all providers."),
    ]


def _regimes_note(results: list[ProviderResults]) -> str:
    held = sorted({(r.stages or {}).get("title") or "not known" for r in results})
    if len(held) <= 1:
        return f"Every provider is held to the same clocks: {held[0] if held else 'none'}."
    return ("Providers are held to different clocks (" + "; ".join(held) + "): each one's "
            "stage 1 timeliness is measured against its own regime, so compare those figures "
            "with care; the % responded to within target uses each provider's contract "
            "targets.")


def write_portfolio(results: list[ProviderResults], out_dir: str | Path) -> dict[str, Path]:
    """Write portfolio.xlsx and portfolio.html (self-contained) into ``out_dir``."""
    out_dir = Path(out_dir)
    table = portfolio_table(results)
    bench = benchmark(table)
    pos = positions(table, bench)
    funnel = funnel_data(table, "upheld", pooled=pooled_rate(results, "upheld"))
    method = notes(results)
    expectations = {k: v for r in results for k, v in (r.expectations or {}).items()}
    paths = {"xlsx": _xlsx(table, bench, pos, funnel, method, out_dir / "portfolio.xlsx",
                           expectations, coverage_rows(results))}
    flagged = funnel[funnel["flag"] != "within"]
    svg = chart_svg(funnel_plot(funnel))
    main_cols = ["name", "service_type", "service_users", *section_columns(table), "total_score",
                 "total_pct"]
    no_cols = ["name", "total_score", "max_score", *NO_ITEM_COLUMNS, "overdue_actions"]
    kpi_cols = ["name", "complaints", "compliments", "decided", "upheld", "upheld_pct",
                "complaints_per_100", "upheld_per_100", "acknowledged_within_target_pct",
                "responded_within_target_pct", "median_working_days_to_respond",
                "escalated_pct", "rca_coverage", "overdue_actions"]
    pooled = funnel["pooled"].iloc[0] if not funnel.empty else None
    paths["html"] = write_html(
        out_dir / "portfolio.html", "portfolio.html.j2",
        title="Complaints handling: provider portfolio", subject="All commissioned providers",
        produced=dt.date.today(),
        periods="; ".join(period_text(p) for p in sorted({r.period for r in results})),
        providers=len(results),
        scores=_columns(main_cols), score_rows=table_rows(table, main_cols),
        no_items=[{**c, "label": "Overdue actions from complaints"}
                  if c["key"] == "overdue_actions" else c for c in _columns(no_cols)],
        no_item_rows=table_rows(table, no_cols),
        kpis=_columns(kpi_cols), kpi_rows=table_rows(table, kpi_cols),
        bench_rows=table_rows(bench.reset_index()),
        funnel_svg=svg, funnel_rows=table_rows(_as_pct(funnel)), flagged=table_rows(flagged),
        pooled=pooled, notes=method, suppressed=SUPPRESSED, coverage_rows=coverage_rows(results))
    return paths


# The portfolio's rates and where each provider's coverage of it is kept in compute_kpis()
COVERAGE_KEYS = {"upheld_pct": "upheld_pct", "escalated_pct": "escalated_pct",
                 "acknowledged_within_target_pct": "acknowledged_within_target_pct",
                 "responded_within_target_pct": "responded_within_target_pct",
                 "median_working_days_to_respond": "median_working_days_to_respond",
                 "rca_coverage": "indicators.rca_coverage_pct"}


def coverage_rows(results: list[ProviderResults]) -> list[dict[str, Any]]:
    """What each provider's portfolio figures are counted over, or why they are unknown
    (one row per provider and figure known for less than all its records, or unknown)."""
    rows = []
    for r in results:
        coverage = (r.kpis or {}).get("coverage") or {}
        for column, key in COVERAGE_KEYS.items():
            cov = coverage.get(key)
            if not cov or (cov.get("known") is not None and cov["known"] >= cov["of"]):
                continue
            rows.append({"name": r.provider_name, "measure": LABELS.get(column, column),
                         "coverage": coverage_text(key, cov)})
    return rows


def _as_pct(funnel: pd.DataFrame) -> pd.DataFrame:
    out = funnel.copy()
    for c in ("rate", "pooled", "lower95", "upper95", "lower998", "upper998"):
        if c in out:
            out[c] = (100 * out[c].astype("float64")).round(1)
    return out


def _columns(keys: list[str]) -> list[dict[str, str]]:
    return [{"key": k, "label": LABELS.get(k, k)} for k in keys]
