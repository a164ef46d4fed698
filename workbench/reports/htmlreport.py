"""Self-contained HTML reports: the jinja2 environment, value formatting and inline SVG charts."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import numbers
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from workbench import __version__
from workbench.analysis.periods import parse_period
from workbench.core.atomic import write_text
from workbench.core.errors import WorkbenchError
from workbench.core.memo import pure_cache
from workbench.core.paths import CHART_CACHE_ENV

SUPPRESSED = "<5"
# The governance and portfolio reports need no script, frame, font or request of any kind: inline
# styles and the charts' inline SVG only (templates/_base.html.j2 carries this meta).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*["']?"""
    r"""\s*(?:https?:)?//|@import|url\(\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def is_missing(value: Any) -> bool:
    """True for None, NA, NaN and NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


NBSP = "\u00a0"
MISSING = "–"
_PCT_SPACE = re.compile(r"(\d) %")  # "83.5 %" in text: kept on one line
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
# what a status value reads as in a report cell (RAG in words as well as colour)
STATUS_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "met": "Met",
                "not met": "Not met", "completed": "Completed", "overdue": "Overdue",
                "open": "Open", "no action": "No action", "no due date": "No due date"}


def as_date(value: Any) -> dt.date | None:
    """``value`` as a date when it is one (a date, a midnight timestamp, "2023-07-04" or
    "2023-07-04T00:00:00.000"), else None."""
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (m := _ISO_DATE.fullmatch(value.strip())):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    return None


def fmt_date(value: Any) -> str:
    """A date the UK way, "4 Jul 2023" (a date, datetime, Timestamp or ISO text); "–" when
    missing; other text as is."""
    if is_missing(value):
        return MISSING
    day = as_date(value)
    if day is None:
        return str(value)
    return f"{day.day} {day:%b %Y}"


def period_bounds(label: Any) -> tuple[dt.date, dt.date] | None:
    """The first and last days of a period label ("2024-25", "2024-25 Q3"); None when the
    label is not a period."""
    try:
        period = parse_period(str(label))
    except WorkbenchError:
        return None
    return period.start, period.end


def period_text(label: Any) -> str:
    """A period as a reader sees it: "2024-25 (1 Apr 2024 to 31 Mar 2025)"."""
    bounds = period_bounds(label) if label else None
    if bounds is None:
        return "" if is_missing(label) else str(label or "")
    return f"{label} ({fmt_date(bounds[0])} to {fmt_date(bounds[1])})"


def fmt_int(value: Any) -> str:
    """A count: "1,234" (a float is rounded to a whole number), "–" when missing, "<5" and
    other text as is."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return fmt(value)
    return f"{round(float(value)):,}"


def fmt(value: Any, digits: int = 1) -> str:
    """A value for a report cell: "–" when missing, whole numbers without decimals (a float
    that is whole too: 210.0 is "210"), other floats rounded to ``digits``, dates as "4 Jul
    2023", booleans as Yes/No, "<5" and other text as is."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        v = round(float(value), digits)
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.{digits}f}"
    if isinstance(value, (dt.date, pd.Timestamp)) or (
            isinstance(value, str) and value[:1].isdigit() and _ISO_DATE.fullmatch(value)):
        return fmt_date(value)
    text = str(value)
    return _PCT_SPACE.sub(f"\\1{NBSP}%", text) if " %" in text else text


def fmt_pct(value: Any, digits: int = 1) -> str:
    """A percentage: "63.2 %" (a no-break space before "%", so it never wraps), "–" when
    missing, "<5"-style text as is."""
    if is_missing(value) or isinstance(value, str):
        return fmt(value)
    return f"{float(value):.{digits}f}{NBSP}%"


def fmt_status(value: Any) -> str:
    """A status or RAG value in words ("Green", "Not met", "Overdue"); "–" when missing."""
    if is_missing(value) or value == "":
        return MISSING
    text = str(value)
    return STATUS_WORDS.get(text, text[:1].upper() + text[1:])


def overdue_split(overdue: pd.DataFrame, period: str) -> str:
    """": 117 on complaints received in 2024-25 (the figures above), 93 on earlier ones" when
    the list holds more than the period's."""
    if "counted" not in overdue or overdue["counted"].all():
        return ""
    counted, earlier = int(overdue["counted"].sum()), int(overdue["earlier"].sum())
    text = f": {counted:,} on complaints received in {period} (the figures above)"
    if earlier:
        text += f", {earlier:,} on earlier ones"
    if (rest := len(overdue) - counted - earlier):
        text += f", {rest:,} on rows left out of the figures (see the data issues)"
    return text


def table_cell(value: Any, kind: str) -> Markup:
    """One ``<td>`` of a report table (a filter, not a macro: portfolio reports have tens of
    thousands of cells and a Jinja macro call costs ten times as much); kind is "num", "int",
    "pct", "date", "status" or "text". A status cell says its status in words and is coloured
    by it (class ``status-<status>``, and ``rag-<status>`` for green, amber and red)."""
    if kind == "pct":
        return Markup('<td class="num">%s</td>') % fmt_pct(value)
    if kind == "num":
        return Markup('<td class="num">%s</td>') % fmt(value)
    if kind == "int":
        return Markup('<td class="num">%s</td>') % fmt_int(value)
    if kind == "date":
        return Markup('<td class="date">%s</td>') % fmt_date(value)
    if kind == "status":
        status = "" if is_missing(value) else re.sub(r"[^a-z0-9]+", "-", str(value).lower())
        return Markup('<td class="status status-%s rag-%s">%s</td>') % (
            status, status, fmt_status(value))
    return Markup("<td>%s</td>") % fmt(value)


def environment(finalize: Callable[[Any], Any] | None = None) -> Environment:
    """The jinja2 environment of templates/ (autoescaped, strict, with the report filters);
    ``finalize``, when given, is applied to every ``{{ value }}`` before it is escaped."""
    env = Environment(loader=PackageLoader("workbench", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=finalize)
    env.filters["fmt"] = fmt
    env.filters["pct"] = fmt_pct
    env.filters["td"] = table_cell
    env.filters["date"] = fmt_date
    env.filters["integer"] = fmt_int
    env.filters["status"] = fmt_status
    return env


def _keep_together(value: Any) -> Any:
    """Each ``{{ value }}`` of a report: a percentage in text kept on one line ("83.5 %")."""
    if isinstance(value, str) and not hasattr(value, "__html__") and " %" in value:
        return _PCT_SPACE.sub(f"\\1{NBSP}%", value)
    return value


ENV = environment(finalize=_keep_together)


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return ENV.get_template(template).render(**context)


def write_html(path: str | Path, template: str, **context: Any) -> Path:
    """Render ``template`` and write it atomically to ``path``; refuses a page that would
    load anything from the network (the reports must work offline and leak nothing) or that
    lacks the Content-Security-Policy ``CSP``."""
    html = render(template, **context)
    if has_external_references(html):
        raise ValueError(f"{template}: rendered page references an external resource")
    if CSP_META not in html[:html.find("</head>")]:
        raise ValueError(f"{template}: rendered page has no Content-Security-Policy {CSP!r}")
    return write_text(path, html)


def has_external_references(html: str) -> bool:
    """True when ``html`` loads a script, stylesheet, image or frame from another host."""
    return bool(_EXTERNAL.search(html))


def chart_svg(chart: Any, *, store: bool = True) -> str:
    """An Altair chart (or Vega-Lite dict) rendered to an inline SVG string, offline (by
    vl-convert; the same spec is rendered once per process, and read from the shared chart
    cache when there is one). ``store=False``: read the cache but never write to it."""
    # validate=False: the charts are the workbench's own (tests validate them), and Altair's
    # schema check costs more than the rendering
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    return _svg_of(json.dumps(spec, sort_keys=True, default=str), store)


@pure_cache(maxsize=512)
def _svg_of(spec_json: str, store: bool = True) -> str:
    import vl_convert as vlc

    def render() -> str:
        svg = vlc.vegalite_to_svg(json.loads(spec_json))
        return svg[svg.find("<svg"):] if "<svg" in svg else svg

    return _kept(_chart_cache_file(spec_json, vlc.__version__), render, store=store)


def _kept(cached: Path | None, draw: Callable[[], str], *, store: bool = True) -> str:
    """The SVG kept at ``cached`` in the shared chart cache, else ``draw()`` (kept there when
    ``store``); a cache that cannot be read or written is only a slower run."""
    if cached is not None:
        with contextlib.suppress(OSError):
            return cached.read_text(encoding="utf-8")
    svg = draw()
    if cached is not None and store:
        with contextlib.suppress(OSError):
            write_text(cached, svg)
    return svg


def chart_cache_folder() -> Path | None:
    """The shared chart cache when WORKBENCH_CHART_CACHE names one (the batch sets it, so the
    portfolio and the dashboards reuse the charts every provider's worker drew; rendering is
    most of a report's cost), else None."""
    folder = os.environ.get(CHART_CACHE_ENV)
    return Path(folder) if folder else None


def _chart_cache_file(text: str, renderer: str) -> Path | None:
    """Where the SVG keyed by ``text`` (a spec, or a chart's inputs) is kept in the shared
    cache. Content-addressed with the renderer's version; written atomically, so concurrent
    workers are safe."""
    folder = chart_cache_folder()
    if folder is None:
        return None
    key = hashlib.sha256(f"{renderer}\n{text}".encode()).hexdigest()
    return folder / key[:2] / f"{key}.svg"


class LazyChart:
    """A chart drawn only when a template uses ``svg``: ``make()`` builds the Altair chart (or
    None: no chart); ``alt`` is its text alternative. With ``key`` (JSON-able: the chart's kind
    and the data it is drawn from) the SVG is looked up by that key first, so a chart drawn
    before (in this process or, through the shared chart cache, another) is not even built."""

    def __init__(self, make: Any, alt: str, key: Any = None):
        self.make = make
        self.alt = alt
        self.key = key
        self._svg: str | None = None
        self._done = False

    @property
    def svg(self) -> str | None:
        if not self._done:
            self._svg = self._draw()
            self._done = True
        return self._svg

    def _draw(self) -> str | None:
        if self.key is None:
            chart = self.make()
            return None if chart is None else chart_svg(chart)
        key = json.dumps([__version__, self.key], sort_keys=True, default=str)
        if key in _BY_INPUTS:
            return _BY_INPUTS[key]
        import vl_convert as vlc

        def draw() -> str:
            chart = self.make()
            return "" if chart is None else chart_svg(chart)

        svg = _kept(_chart_cache_file(key, f"inputs {vlc.__version__}"), draw)
        if len(_BY_INPUTS) >= 1024:
            _BY_INPUTS.clear()
        _BY_INPUTS[key] = svg or None
        return svg or None


# SVGs by chart inputs (a pure cache: the key holds the package version and every input)
_BY_INPUTS: dict[str, str | None] = {}


def table_rows(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts (only ``columns`` when given) for a template table."""
    if frame is None or frame.empty:
        return []
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    return [dict(zip(cols, row, strict=True))
            for row in frame[cols].astype(object).itertuples(index=False, name=None)]
