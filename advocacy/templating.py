"""Jinja filters shared by every template."""

from __future__ import annotations

import math
from datetime import datetime

from flask import Flask
from markupsafe import Markup, escape


def when(moment: datetime | None) -> Markup:
    """A UTC time people can read; static/js/chorus.js shows it in their own time zone."""
    if moment is None:
        return Markup("")
    text = moment.strftime("%d %b %Y, %H:%M UTC")
    return Markup('<time datetime="{}" data-local>{}</time>').format(
        escape(moment.isoformat()), text
    )


def count(value: int | None, unknown: str = "not measured") -> str:
    """A figure with thousands separators; None is unknown, never 0."""
    return unknown if value is None else f"{value:,}"


def percent(value: float | None, unknown: str = "not measured") -> str:
    """0.1234 -> "12.3%"; None is unknown."""
    return unknown if value is None else f"{value * 100:.1f}%"


def money(value: float | None, currency: str = "USD") -> str:
    """1234.5 -> "USD 1,234.50"."""
    return "not measured" if value is None else f"{currency} {value:,.2f}"


def cell(value: object, kind: str = "text") -> str:
    """A table cell of a dashboard frame: counts with separators, rates as percentages,
    periods as dates; a missing value (None, NaN, NA) is shown as not measured."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "<NA>":
        return "not measured"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "percent":
        return percent(float(value))
    if kind == "date":
        return f"{value:%d %b %Y}"
    return str(value)


def json_script(text: str) -> Markup:
    """JSON made safe inside <script type="application/json">: no "<", ">" or "&" left,
    so a title holding "</script>" cannot end the element (JSON reads the escapes back)."""
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return Markup(text)  # nosec B704 # every markup character is escaped above


def init_app(app: Flask) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["count"] = count
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["cell"] = cell
    app.jinja_env.filters["json_script"] = json_script
