"""Helpers shared by every blueprint's forms: domain errors shown on the form, 400 on bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import SubmitField

from advocacy.errors import ValidationFailed
from advocacy.extensions import db

Result = TypeVar("Result")


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
