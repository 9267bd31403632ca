"""The admin's compliance pages: the screening settings and lexicon, and the archive of
everything published (searchable, exportable as CSV)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from advocacy.authz import roles_required
from advocacy.errors import ValidationFailed
from advocacy.extensions import db
from advocacy.forms import ActionForm, attempt, button_action, page_arg, render_form
from advocacy.services import archive, lexicon, settings
from advocacy.services.networks import NETWORKS, sandboxed

from .forms import ArchiveFilterForm, SettingsForm, TermForm

bp = Blueprint("screening", __name__, template_folder="templates")


def _settings_form(formdata=None) -> SettingsForm:
    form = SettingsForm(prefix="settings", formdata=formdata)
    if formdata is None:
        form.approval.data = settings.get(db.session, "content_approval_required")
        form.disclosure.data = settings.get(db.session, "disclosure")
        form.domains.data = "\n".join(settings.get(db.session, "approved_domains"))
    return form


def _compliance_page(settings_form: SettingsForm, term_form: TermForm, submitted):
    """Both forms on one page; the one submitted decides the status (400 when refused)."""
    return render_form(
        "screening/compliance.html",
        submitted,
        settings_form=settings_form,
        term_form=term_form,
        terms=lexicon.terms(db.session),
        action_form=ActionForm(),
    )


@bp.route("/compliance", methods=["GET", "POST"])
@roles_required("admin")
def compliance_settings():
    form = _settings_form(formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        done = attempt(
            form,
            lambda: (
                lexicon.update_settings(
                    db.session,
                    form.disclosure.data or "",
                    form.domains.data or "",
                    form.approval.data,
                    current_user,
                )
                or True
            ),
        )
        if done:
            flash("The compliance settings are saved.", "success")
            return redirect(url_for("screening.compliance_settings"), 303)
    return _compliance_page(form, TermForm(prefix="term", formdata=None), form)


@bp.route("/compliance/terms", methods=["POST"])
@roles_required("admin")
def term_add():
    form = TermForm(prefix="term")
    if form.validate_on_submit():
        done = attempt(
            form,
            lambda: (
                lexicon.add_term(
                    db.session,
                    form.term.data,
                    form.severity.data,
                    form.category.data or "",
                    current_user,
                )
                or True
            ),
        )
        if done:
            flash(f'"{form.term.data.strip()}" is added to the lexicon.', "success")
            return redirect(url_for("screening.compliance_settings"), 303)
    return _compliance_page(_settings_form(), form, form)


@bp.route("/compliance/terms/<id:term_id>/remove", methods=["POST"])
@roles_required("admin")
def term_remove(term_id: int):
    removed: list[str] = []
    button_action(
        lambda: removed.append(lexicon.remove_term(db.session, term_id, current_user)),
        lambda: f'"{removed[0]}" is removed from the lexicon.',
    )
    return redirect(url_for("screening.compliance_settings"), 303)


@bp.route("/compliance/starter-terms", methods=["POST"])
@roles_required("admin")
def starter_terms():
    added: list[int] = []
    button_action(
        lambda: added.append(lexicon.install_starter_terms(db.session, current_user)),
        lambda: f"{added[0]} starter terms added." if added[0] else "The starter list is in.",
    )
    return redirect(url_for("screening.compliance_settings"), 303)


def _filter_form() -> ArchiveFilterForm:
    form = ArchiveFilterForm(request.args)
    form.network.choices = [SelectChoice("", "Any network")] + [
        SelectChoice(name, label) for name, label in NETWORKS.items()
    ]
    return form


def _archive_filters() -> tuple[ArchiveFilterForm, archive.ArchiveFilter]:
    """The search in the query string; one that cannot be read is refused, never widened."""
    form = _filter_form()
    if not form.validate():
        problems = "; ".join(
            f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        raise ValidationFailed(f"The search could not be read ({problems}).")
    end = form.end.data
    return form, archive.ArchiveFilter(
        text=(form.q.data or "").strip(),
        network=form.network.data or "",
        start=datetime.combine(form.start.data, time(), UTC) if form.start.data else None,
        end=datetime.combine(end, time(), UTC) + timedelta(days=1) if end else None,
    )


@bp.route("/archive")
@roles_required("admin")
def archive_list():
    page, status, problem = page_arg(), 200, None
    try:
        form, filters = _archive_filters()
        records, has_next = archive.search(db.session, filters, page=page)
    except ValidationFailed as error:
        form, records, has_next, status, problem = _filter_form(), [], False, 400, str(error)
    return render_template(
        "screening/archive.html",
        form=form,
        problem=problem,
        records=records,
        page=page,
        has_next=has_next,
        args={k: v for k, v in request.args.items() if k != "page"},
        labels=NETWORKS,
        sandbox=sandboxed(current_app.config),
    ), status


@bp.route("/archive.csv")
@roles_required("admin")
def archive_csv():
    _, filters = _archive_filters()
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        stream_with_context(archive.csv_lines(db.session, filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="chorus-archive-{stamp}.csv"'},
    )
