"""Jinja filters shared by every template."""

from __future__ import annotations

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


def init_app(app: Flask) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["count"] = count
