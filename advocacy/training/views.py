"""The employee's course, module and assessment pages; certificates and their verification;
the certification status report for admins and marketers."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from advocacy import clock
from advocacy.authz import public, roles_required, signed_in
from advocacy.errors import NotFound
from advocacy.extensions import db
from advocacy.forms import ActionForm, attempt, button_action, id_arg, page_arg, render_form
from advocacy.markdown import render_markdown
from advocacy.services import assessment, certificates, courses, users
from training.gating import certificate_state, certification_decision

from .forms import RevokeForm

bp = Blueprint("training", __name__, template_folder="templates")
MAX_ANSWER_KEYS = 6


@bp.app_template_filter("markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@bp.route("/training")
@roles_required("employee")
def index():
    versions = courses.current_versions(db.session)
    if len(versions) == 1:
        return redirect(url_for("training.course", slug=versions[0].course.slug))
    return render_template("training/index.html", versions=versions)


@bp.route("/training/<slug>")
@roles_required("employee")
def course(slug: str):
    version = courses.course_for(db.session, slug)
    user = current_user._get_current_object()
    return render_template(
        "training/course.html",
        version=version,
        done=courses.completed_slugs(db.session, user, version),
        status=assessment.status(db.session, user, version),
        decision=certification_decision(db.session, user, version, clock.now()),
        action_form=ActionForm(),
    )


@bp.route("/training/<slug>/modules/<id:position>", methods=["GET", "POST"])
@roles_required("employee")
def module(slug: str, position: int):
    version = courses.course_for(db.session, slug)
    page = courses.module_for(version, position)
    form = ActionForm()
    if form.validate_on_submit():
        courses.complete_module(db.session, current_user, page)
        if position < len(version.modules):
            return redirect(url_for("training.module", slug=slug, position=position + 1), 303)
        flash("You have read every module. The assessment is open.", "success")
        return redirect(url_for("training.course", slug=slug), 303)
    return render_template(
        "training/module.html",
        version=version,
        module=page,
        form=form,
        done=courses.completed_slugs(db.session, current_user, version),
    )


@bp.route("/training/<slug>/attempts", methods=["POST"])
@roles_required("employee")
def start_attempt(slug: str):
    version = courses.course_for(db.session, slug)
    form = ActionForm()
    if form.validate_on_submit():
        started = attempt(form, lambda: assessment.start_attempt(db.session, current_user, version))
        if started is not None:
            return redirect(url_for("training.attempt_page", attempt_id=started.id), 303)
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("training.course", slug=slug), 303)


def _submitted_answers(drawn: list[dict]) -> dict[int, list[str]]:
    """The options ticked per question. The page numbers options 1, 2, 3... in the order
    shown, so the bank's own keys (which could hint at answers) never reach the browser."""
    answers = {}
    for item in drawn:
        order = item["options"]
        positions = request.form.getlist(f"q{item['question']}")[:MAX_ANSWER_KEYS]
        answers[item["question"]] = [
            order[int(p) - 1] for p in positions if p.isdigit() and 1 <= int(p) <= len(order)
        ]
    return answers


@bp.route("/training/attempts/<id:attempt_id>", methods=["GET", "POST"])
@roles_required("employee")
def attempt_page(attempt_id: int):
    sitting = assessment.attempt_for(db.session, current_user, attempt_id)
    if sitting.submitted_at is not None:
        graded = {g.question_id: g for g in assessment.grading(db.session, sitting)}
        return render_template(
            "training/result.html",
            attempt=sitting,
            graded=graded,
            questions=assessment.drawn_questions(db.session, sitting),
            status=assessment.status(db.session, current_user, sitting.version),
            certificate=assessment.certificate_of(db.session, sitting),
        )
    form = ActionForm()
    answers: dict[int, list[str]] = {}
    if form.validate_on_submit():
        answers = _submitted_answers(sitting.drawn)
        if attempt(
            form, lambda: assessment.submit_attempt(db.session, current_user, sitting, answers)
        ):
            return redirect(url_for("training.attempt_page", attempt_id=sitting.id), 303)
    return render_form(
        "training/attempt.html",
        form,
        attempt=sitting,
        answers=answers,
        questions=assessment.drawn_questions(db.session, sitting),
    )


@bp.route("/certificates/<number>")
@signed_in
def certificate(number: str):
    certification = certificates.visible_to(db.session, current_user, number)
    return render_template(
        "training/certificate.html",
        certification=certification,
        decision=_decision_for(certification),
    )


@bp.route("/verify/<number>")
@public
def verify(number: str):
    """Public: says only whether a certificate is valid, never who holds it."""
    try:
        certification = certificates.by_number(db.session, number[:40])
    except NotFound:
        return render_template("training/verify.html", certification=None, number=number[:40]), 404
    return render_template(
        "training/verify.html",
        certification=certification,
        decision=_decision_for(certification),
        number=certification.number,
    )


def _decision_for(certification):
    current = certificates.current_of(db.session, certification.version.course_id)
    return certificate_state(certification, current, clock.now())


def _report_course():
    versions = courses.current_versions(db.session)
    slug = request.args.get("course", "")
    return next((v for v in versions if v.course.slug == slug), versions[0] if versions else None)


def _report_filters() -> dict:
    status = request.args.get("status", "")
    return {
        "department_id": id_arg("department"),
        "status": status if status in certificates.STATUS_FILTERS else "",
    }


@bp.route("/training/status")
@roles_required("admin", "marketer")
def status_report():
    version = _report_course()
    if version is None:
        return render_template("training/status.html", version=None)
    filters = _report_filters()
    page = page_arg()
    rows, total = certificates.status_rows(
        db.session, version.course_id, page=page, per_page=50, **filters
    )
    return render_template(
        "training/status.html",
        version=version,
        rows=rows,
        total=total,
        page=page,
        per_page=50,
        filters=filters,
        statuses=certificates.STATUS_FILTERS,
        departments=users.departments(db.session),
        coverage=certificates.coverage_by_department(db.session, version.course_id),
        versions=courses.current_versions(db.session),
        action_form=ActionForm(),
        revoke_form=RevokeForm(),
    )


@bp.route("/training/status.csv")
@roles_required("admin", "marketer")
def status_export():
    version = _report_course()
    if version is None:
        return redirect(url_for("training.status_report"))
    rows, _ = certificates.status_rows(
        db.session, version.course_id, page=None, **_report_filters()
    )
    filename = f"certification-{version.course.slug}-{clock.now():%Y-%m-%d}.csv"
    return Response(
        certificates.status_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/certificates/<number>/revoke", methods=["POST"])
@roles_required("admin")
def revoke(number: str):
    certification = certificates.by_number(db.session, number)
    form = RevokeForm()
    if form.validate_on_submit():
        revoked = attempt(
            form,
            lambda: certificates.revoke(
                db.session, certification, actor=current_user, reason=form.reason.data
            ),
        )
        if revoked:
            flash(
                f"Revoked the certificate of {certification.user.name}. "
                "They can no longer share until they pass the course again.",
                "success",
            )
    for message in form.form_errors + [
        e for errors in form.errors.values() for e in errors if e not in form.form_errors
    ]:
        flash(message, "error")
    return redirect(url_for("training.certificate", number=certification.number), 303)


@bp.route("/training/<slug>/people/<id:user_id>/extra-attempt", methods=["POST"])
@roles_required("admin")
def grant_attempt(slug: str, user_id: int):
    version = courses.course_for(db.session, slug)
    person = users.get_user(db.session, user_id)
    button_action(
        lambda: certificates.grant_extra_attempt(db.session, person, version, actor=current_user),
        lambda: f"{person.name} may take the assessment once more, without waiting.",
    )
    return redirect(url_for("training.status_report", course=slug), 303)
