"""Helpers shared by every blueprint's forms: domain errors shown on the form, 400 on bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import flash, render_template, request
from flask_wtf import FlaskForm
from wtforms import SubmitField

from advocacy.errors import ValidationFailed
from advocacy.extensions import db

Result = TypeVar("Result")
MAX_ID = 2**31 - 1
MAX_PAGE = 10_000


def id_arg(name: str) -> int | None:
    """A query-string id (`?department=3`); anything that is not a plausible id is None."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None


def page_arg() -> int:
    """The `?page=` number, kept between 1 and MAX_PAGE."""
    value = request.args.get("page", 1, type=int) or 1
    return min(max(1, value), MAX_PAGE)


class ActionForm(FlaskForm):
    """A button that changes state: a POST carrying only its CSRF token."""

    submit = SubmitField()


def attempt(form: FlaskForm, action: Callable[[], Result]) -> Result | None:
    """Run a service call; a ValidationFailed becomes a message on the form (input is kept)."""
    try:
        return action()
    except ValidationFailed as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return None


def render_form(template: str, form: FlaskForm, **context):
    """Render a page with a form; a submitted form with errors answers 400."""
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template(template, form=form, **context), status


def button_action(action: Callable[[], object], success: Callable[[], str]) -> None:
    """Run the action of a button form; its outcome is flashed on the page redirected to."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(form, lambda: action() or True):
        flash(success(), "success")
    for message in form.form_errors:
        flash(message, "error")


def to_utc(moment: datetime | None, timezone_name: str | None) -> datetime | None:
    """A time typed in a form (no zone) read in the person's time zone, as UTC. The zone
    comes from the browser (static/js/chorus.js); without it, UTC. A time that UTC cannot
    hold raises ValidationFailed."""
    if moment is None:
        return None
    try:
        zone = ZoneInfo(timezone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        return moment.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError as error:  # the first or last hours of year 1 or 9999, moved to UTC
        raise ValidationFailed(
            "That date is out of range: choose one after the year 1 and before the year 9999."
        ) from error
