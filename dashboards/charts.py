"""Dashboard charts: a pandas frame in, a plotly figure as JSON out, or None when the frame
has no rows (the page shows an empty state instead of empty axes).

A metric a network does not give is NaN: it stays null in the JSON, so plotly leaves a gap
rather than drawing 0, and the chart says "not measured" where the value would be. Names
and titles are HTML-escaped: plotly renders a subset of HTML in labels and hovers. No <b>
or <i> either: plotly draws them with style attributes, which our CSP refuses.
static/js/charts.js draws the JSON; the plotly config (toolbar, no logo) lives there.
"""

from __future__ import annotations

import math
from html import escape, unescape

import pandas as pd
import plotly.graph_objects as go

ACCENT = "#4338ca"
PALETTE = ("#4338ca", "#0d9488", "#d97706", "#db2777", "#64748b")
TEXT = "#1f2937"
MUTED = "#5b6472"
GRID = "#e2e5ea"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
NOT_MEASURED = "not measured"
LABEL_LENGTH = 40
TOOLBAR_ROOM = 32  # top margin, so plotly's toolbar does not cover a chart without legend

_AXIS = {
    "automargin": True,
    "gridcolor": GRID,
    "linecolor": GRID,
    "zeroline": False,
    "ticks": "",
    "fixedrange": True,  # no zoom: on a phone a drag must scroll the page
    "tickfont": {"color": MUTED, "size": 12},
    "title": {"font": {"color": MUTED, "size": 12}, "standoff": 10},
}
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 13, "color": TEXT},
        "colorway": PALETTE,
        "paper_bgcolor": "#ffffff",  # white, not transparent: downloaded images go on slides
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8, "pad": 4},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font_size": 12},
        "hoverlabel": {
            "bgcolor": "#ffffff",
            "bordercolor": GRID,
            "align": "left",
            "font": {"family": FONT, "size": 13, "color": TEXT},
        },
        "separators": ".,",
        "dragmode": False,
        "bargroupgap": 0.08,
        "modebar": {"bgcolor": "rgba(255,255,255,0.9)", "color": MUTED, "activecolor": ACCENT},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
    }
)
# Reach, impressions, clicks: top to bottom as people drop out, each panel on its own scale.
_OVER_TIME = (
    ("potential_reach", "Potential reach", PALETTE[1], (0.75, 1.0)),
    ("impressions", "Impressions", ACCENT, (0.385, 0.635)),
    ("clicks", "Clicks", PALETTE[2], (0.0, 0.25)),
)
_ENGAGEMENT = {"likes": "Likes", "comments": "Comments", "reshares": "Reshares", "clicks": "Clicks"}


def over_time(frame: pd.DataFrame, *, weekly: bool | None = None) -> str | None:
    """Three panels on one time axis with one hover: potential reach dwarfs impressions,
    which dwarf clicks, so on a shared scale the smaller two would be flat lines. `weekly`
    (inferred from the spacing of `period` if not given) only changes the wording."""
    if frame.empty:
        return None
    periods = pd.to_datetime(frame["period"])
    if weekly is None:
        weekly = len(periods) > 1 and periods.sort_values().diff().median() >= pd.Timedelta(days=7)
    x = periods.dt.strftime("%Y-%m-%d").tolist()
    fig = go.Figure()
    for index, (column, name, colour, domain) in enumerate(_OVER_TIME):
        axis = f"y{index + 1}" if index else "y"
        trace = {"name": name, "x": x, "y": _values(frame[column]), "yaxis": axis}
        if column == "clicks":
            fig.add_trace(go.Bar(**trace, marker_color=colour, hovertemplate="%{y:,.0f}"))
        else:
            mode = "lines+markers" if len(frame) <= 31 else "lines"
            line = {"color": colour, "width": 2.5}
            fig.add_trace(go.Scatter(**trace, mode=mode, line=line, hovertemplate="%{y:,.0f}"))
        axis_layout = {"domain": domain, "rangemode": "tozero", "tickformat": "~s", "nticks": 4}
        fig.update_layout({axis.replace("y", "yaxis"): axis_layout})
        fig.add_annotation(
            text=name,
            xref="paper",
            x=0,
            xanchor="left",
            yref=f"{axis} domain",
            y=1,
            yanchor="bottom",
            showarrow=False,
            font={"color": colour, "size": 12},
        )
    unit = "weeks" if weekly else "days"
    fig.update_layout(
        template=TEMPLATE,
        height=440,
        margin_t=TOOLBAR_ROOM,
        showlegend=False,
        hovermode="x unified",
        hoversubplots="axis",  # one hover lists all three panels
        xaxis={
            "type": "date",
            "anchor": "y3",
            "showgrid": False,
            "hoverformat": "Week of %-d %b %Y" if weekly else "%a %-d %b %Y",
            "title_text": _gaps_note(frame, {c: n for c, n, *_ in _OVER_TIME}, unit),
        },
    )
    return fig.to_json()


def by_network(frame: pd.DataFrame) -> str | None:
    """Grouped, not stacked, bars: a metric a network does not give is a gap, where a stack
    with a missing part would look like a smaller total."""
    if frame.empty:
        return None
    networks = [_label(value) for value in frame["network"]]
    bars = [
        go.Bar(name=label, x=networks, y=_values(frame[column]), hovertemplate="%{y:,.0f}")
        for column, label in _ENGAGEMENT.items()
    ]
    fig = go.Figure(bars)
    fig.update_layout(
        template=TEMPLATE,
        height=340,
        barmode="group",
        bargap=0.3,
        hovermode="x unified",
        xaxis_title_text=_missing_note(frame, networks, _ENGAGEMENT),
        yaxis={"rangemode": "tozero", "tickformat": "~s"},
    )
    return fig.to_json()


def top_content(frame: pd.DataFrame) -> str | None:
    """Engagements per item in the frame's order, first row at the top."""
    return _ranking(frame, "title", {"impressions": "Impressions", "clicks": "Clicks"})


def top_advocates(frame: pd.DataFrame) -> str | None:
    """Engagements per person in the frame's order, first row at the top."""
    return _ranking(frame, "name", {"shares": "Shares", "clicks": "Clicks"})


def departments(frame: pd.DataFrame) -> str | None:
    """Coverage and participation per department as percentages. Participation is undefined
    (NaN) where nobody is certified: no bar, and "nobody certified" where it would be."""
    if frame.empty:
        return None
    names = [_label(value, empty="No department") for value in frame["department"]]
    rows = list(frame.itertuples(index=False))
    coverage = [
        [name, f"{_percent(r.coverage)} · {_count(r.certified)} of {_count(r.employees)}"]
        for name, r in zip(names, rows, strict=True)
    ]
    participation = [
        [name, f"{_percent(r.participation)} · {_count(r.shared)} of {_count(r.certified)}"]
        for name, r in zip(names, rows, strict=True)
    ]
    bargap = 0.45
    fig = go.Figure(
        [
            _percent_bar("Certification coverage", frame["coverage"], coverage, "certified"),
            _percent_bar("Participation", frame["participation"], participation, "shared"),
            _labels_above(names, top=(1 - bargap) / 2),
        ]
    )
    nobody = [row for row, r in enumerate(rows) if _missing(r.participation)]
    if nobody:  # participation is the lower bar of each pair
        slots = [row + (1 - bargap) / 4 for row in nobody]
        hover = [[names[row]] for row in nobody]
        template = "%{customdata[0]}<br>Participation: nobody certified"
        fig.add_trace(_unknown_marks(slots, "nobody certified", hover, template))
    fig.update_layout(
        template=TEMPLATE,
        height=100 + 64 * len(frame),
        barmode="group",
        bargap=bargap,
        xaxis={"range": [0, 1.16], "tickformat": ".0%", "dtick": 0.2},
        yaxis=_rows_axis(len(frame)),
    )
    return fig.to_json()


def funnel(frame: pd.DataFrame) -> str | None:
    """Each stage with its count and its share of the first stage (all employees)."""
    if frame.empty:
        return None
    people = _values(frame["people"])
    first = people[0] or 0
    shares = ["" if value is None or not first else f" · {value / first:.0%}" for value in people]
    fig = go.Figure(
        go.Funnel(
            y=[_label(value) for value in frame["stage"]],
            x=people,
            text=[f"{_count(value)}{share}" for value, share in zip(people, shares, strict=True)],
            textinfo="text",
            textposition="auto",
            insidetextfont={"color": "#ffffff"},
            outsidetextfont={"color": TEXT},
            marker={"color": ACCENT},
            connector={"fillcolor": "#eef2ff", "line": {"width": 0}},
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, height=70 + 52 * len(frame), margin_t=TOOLBAR_ROOM)
    return fig.to_json()


def _ranking(frame: pd.DataFrame, label_column: str, details: dict[str, str]) -> str | None:
    """Horizontal bars of engagements with each label above its bar (full width for the bar
    on a phone), truncated, with the full label and the figures in the hover."""
    if frame.empty:
        return None
    labels = [_label(value) for value in frame[label_column]]
    engagements = _values(frame["engagements"])
    hover = [
        [label, _count(value), *(_count(frame[column].iloc[row]) for column in details)]
        for row, (label, value) in enumerate(zip(labels, engagements, strict=True))
    ]
    lines = [f"{name}: %{{customdata[{i + 2}]}}" for i, name in enumerate(details.values())]
    template = "<br>".join(["%{customdata[0]}", "Engagements: %{customdata[1]}", *lines])
    template += "<extra></extra>"
    bargap = 0.5
    fig = go.Figure(
        [
            go.Bar(
                x=engagements,
                y=list(range(len(labels))),
                orientation="h",
                marker_color=ACCENT,
                customdata=hover,
                text=[_count(value) for value in engagements],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=template,
            ),
            _labels_above(labels, top=(1 - bargap) / 2),
        ]
    )
    unknown = [row for row, value in enumerate(engagements) if value is None]
    if unknown:
        hovers = [hover[row] for row in unknown]
        fig.add_trace(_unknown_marks([float(r) for r in unknown], NOT_MEASURED, hovers, template))
    known = [value for value in engagements if value is not None]
    fig.update_layout(
        template=TEMPLATE,
        height=50 + 50 * len(frame),
        margin_t=TOOLBAR_ROOM,
        showlegend=False,
        bargap=bargap,
        xaxis={"range": [0, max(known, default=0) * 1.2 or 1], "visible": False},
        yaxis=_rows_axis(len(frame)),
    )
    return fig.to_json()


def _labels_above(labels: list[str], top: float) -> go.Scatter:
    """Row labels as text just above each row's bars (rows at 0..n-1, drawn top down), so
    long titles get the chart's full width instead of squeezing the bars."""
    return go.Scatter(
        x=[0] * len(labels),
        y=[row - top - 0.2 for row in range(len(labels))],
        mode="text",
        text=[_truncate(label) for label in labels],
        textposition="middle right",
        hoverinfo="skip",
        showlegend=False,
        cliponaxis=False,
    )


def _rows_axis(rows: int) -> dict:
    """Rows 0..n-1 top down, with room above the first for its label; no ticks."""
    return {"range": [rows - 0.5, -0.85], "visible": False}


def _unknown_marks(
    ys: list[float], text: str, customdata: list | None, hovertemplate: str
) -> go.Scatter:
    """Text where a bar would start: an unknown value has no bar to label or hover on."""
    return go.Scatter(
        x=[0] * len(ys),
        y=ys,
        mode="text",
        text=[text] * len(ys),
        textposition="middle right",
        textfont={"color": MUTED, "size": 12},
        customdata=customdata,
        hovertemplate=hovertemplate + ("" if "<extra>" in hovertemplate else "<extra></extra>"),
        showlegend=False,
        cliponaxis=False,
    )


def _percent_bar(name: str, values: pd.Series, hover: list[list[str]], whom: str) -> go.Bar:
    """Percentages with "75% · 30 of 40 certified" and the department in the hover."""
    return go.Bar(
        name=name,
        x=_values(values),
        y=list(range(len(values))),
        orientation="h",
        text=["" if _missing(value) else _percent(value) for value in values],
        textposition="outside",
        cliponaxis=False,
        customdata=hover,
        hovertemplate=f"%{{customdata[0]}}<br>{name}: %{{customdata[1]}} {whom}"
        + "<extra></extra>",
    )


def _values(series: pd.Series) -> list[float | int | None]:
    """Plain JSON numbers with None for unknown (NaN, NA, None): never 0, and never plotly's
    base64 arrays, so the page and the tests can read the figure."""
    values: list[float | int | None] = []
    for value in pd.to_numeric(series, errors="coerce").astype("float64"):
        if math.isnan(value):
            values.append(None)
        else:
            values.append(int(value) if value.is_integer() else float(value))
    return values


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _count(value: object) -> str:
    """Thousands separators; unknown says so (as the |count template filter does)."""
    return NOT_MEASURED if _missing(value) else f"{float(value):,.0f}"


def _percent(value: object) -> str:
    return NOT_MEASURED if _missing(value) else f"{float(value):.0%}"


def _label(value: object, empty: str = "(none)") -> str:
    """User text made safe for plotly's HTML-like labels."""
    return empty if _missing(value) or str(value).strip() == "" else escape(str(value), quote=False)


def _truncate(label: str, length: int = LABEL_LENGTH) -> str:
    """Cut an escaped label to `length` visible characters without splitting an entity."""
    text = unescape(label)
    if len(text) <= length:
        return label
    return escape(text[: length - 1].rstrip() + "…", quote=False)


def _missing_note(frame: pd.DataFrame, labels: list[str], metrics: dict[str, str]) -> str:
    """One line per metric a network does not give, short enough for a phone."""
    parts = []
    for column, name in metrics.items():
        values = zip(labels, frame[column], strict=True)
        where = [label for label, value in values if _missing(value)]
        if where:
            parts.append(f"Not measured: {name.lower()} on {', '.join(where)}")
    return "<br>".join(parts)


def _gaps_note(frame: pd.DataFrame, metrics: dict[str, str], unit: str) -> str:
    """One line per metric with gaps, short enough for a phone."""
    parts = []
    for column, name in metrics.items():
        missing = int(frame[column].isna().sum())
        if missing == len(frame):
            parts.append(f"{name}: not measured in this period")
        elif missing:
            parts.append(f"{name}: not measured on {missing} of {len(frame)} {unit}")
    return "<br>".join(parts)
