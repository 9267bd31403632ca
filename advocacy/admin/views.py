"""The admin's pages: people, departments, CSV import, the mail outbox and the audit log."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from advocacy.authz import roles_required
from advocacy.extensions import db
from advocacy.forms import ActionForm, attempt, button_action, id_arg, page_arg, render_form
from advocacy.models import ROLES
from advocacy.services import accounts, audit, budget, settings, users
from advocacy.services import operations as operations_service
from advocacy.services.mail import outbox_page
from advocacy.services.networks import NETWORKS
from advocacy.services.user_import import ImportRejected, import_users
from advocacy.urls import external_url

from .forms import DepartmentForm, ImportForm, UserForm, budget_form

bp = Blueprint("admin", __name__, template_folder="templates")
PER_PAGE = 25


def _invite_url(token: str) -> str:
    return external_url("auth.accept_invitation", token=token)


def _changes(form: UserForm) -> users.UserChanges:
    return users.UserChanges(
        email=form.email.data,
        name=form.name.data,
        department=form.department.data,
        roles=set(form.roles.data or []),
    )


@bp.route("/users")
@roles_required("admin")
def user_list():
    filters = {
        "text": request.args.get("q", "")[:200],
        "role": request.args.get("role", "") if request.args.get("role") in ROLES else "",
        "department_id": id_arg("department"),
        "status": request.args.get("status", ""),
    }
    page = page_arg()
    people, total = users.search_users(db.session, **filters, page=page, per_page=PER_PAGE)
    return render_template(
        "admin/users.html",
        people=people,
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters=filters,
        roles=ROLES,
        departments=users.departments(db.session),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = UserForm()
    if form.validate_on_submit():

        def create():
            user = users.create_user(db.session, _changes(form), actor=current_user)
            accounts.send_invitation(
                db.session, current_app.config, user, _invite_url, invited_by=current_user
            )
            db.session.commit()
            return user

        user = attempt(form, create)
        if user is not None:
            flash(f"{user.name} is added and an invitation was sent to {user.email}.", "success")
            return redirect(url_for("admin.user_list"), code=303)
    return render_form(
        "admin/user_form.html", form, user=None, departments=users.departments(db.session)
    )


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    user = users.get_user(db.session, user_id)
    form = UserForm(data=_form_data(user))
    if form.validate_on_submit():
        done = attempt(
            form,
            lambda: users.update_user(db.session, user, _changes(form), actor=current_user) or True,
        )
        if done:
            flash(f"Saved {user.name}.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id), code=303)
    return render_form(
        "admin/user_form.html",
        form,
        user=user,
        action_form=ActionForm(),
        departments=users.departments(db.session),
    )


def _form_data(user) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "department": user.department.name if user.department else "",
        "roles": sorted(user.role_names),
    }


@bp.route("/users/<id:user_id>/<any(activate, deactivate):change>", methods=["POST"])
@roles_required("admin")
def user_set_active(user_id: int, change: str):
    user = users.get_user(db.session, user_id)
    button_action(
        lambda: users.set_active(db.session, user, change == "activate", actor=current_user),
        lambda: (
            f"{user.name} is {'active again' if user.active else 'deactivated and signed out'}."
        ),
    )
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/users/<id:user_id>/invite", methods=["POST"])
@roles_required("admin")
def user_invite(user_id: int):
    user = users.get_user(db.session, user_id)

    def invite() -> None:
        accounts.send_invitation(
            db.session, current_app.config, user, _invite_url, invited_by=current_user
        )
        db.session.commit()

    button_action(invite, lambda: f"A new invitation was sent to {user.email}.")
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/users/import", methods=["GET", "POST"])
@roles_required("admin")
def user_import():
    form = ImportForm()
    row_errors = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = import_users(
                db.session, upload.read(), actor=current_user, filename=upload.filename or ""
            )
        except ImportRejected as rejected:
            db.session.rollback()
            form.form_errors.append(str(rejected))
            row_errors = rejected.errors
        else:
            if form.send_invitations.data:
                for user in result.created:
                    accounts.send_invitation(
                        db.session, current_app.config, user, _invite_url, invited_by=current_user
                    )
            db.session.commit()
            flash(
                f"Imported: {len(result.created)} new, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
                "success",
            )
            return redirect(url_for("admin.user_list"), code=303)
    return render_form("admin/import.html", form, row_errors=row_errors)


@bp.route("/departments", methods=["GET", "POST"])
@roles_required("admin")
def department_list():
    form = DepartmentForm()
    if form.validate_on_submit():
        department = attempt(
            form, lambda: users.create_department(db.session, form.name.data, actor=current_user)
        )
        if department is not None:
            flash(f"Added the department {department.name}.", "success")
            return redirect(url_for("admin.department_list"), code=303)
    return render_form(
        "admin/departments.html",
        form,
        departments=users.departments(db.session),
        sizes=users.department_sizes(db.session),
    )


@bp.route("/outbox")
@roles_required("admin")
def outbox():
    page = page_arg()
    recipient = request.args.get("to", "")[:254]
    messages, total = outbox_page(db.session, recipient=recipient, page=page, per_page=PER_PAGE)
    return render_template(
        "admin/outbox.html",
        messages=messages,
        total=total,
        page=page,
        per_page=PER_PAGE,
        recipient=recipient,
        smtp=bool(current_app.config.get("MAIL_SERVER")),
    )


@bp.route("/operations")
@roles_required("admin")
def operations():
    return render_template(
        "admin/operations.html",
        overview=operations_service.overview(db.session),
        labels=NETWORKS,
    )


@bp.route("/api-budget", methods=["GET", "POST"])
@roles_required("admin")
def api_budget():
    """Calls to the networks this month, their estimated cost, and the prices and caps."""
    form = budget_form(NETWORKS, budget.KINDS, request.form if request.method == "POST" else None)
    if request.method == "GET":
        prices = settings.get(db.session, "api_prices")
        caps = settings.get(db.session, "daily_read_cap")
        for network in NETWORKS:
            for index, kind in enumerate(budget.KINDS):
                price = prices.get(network, {}).get(kind, 0)
                form[f"price-{network}-{index}"].data = Decimal(str(price))
            form[f"cap-{network}"].data = caps.get(network)
    if form.validate_on_submit():
        prices = {
            network: {
                kind: float(form[f"price-{network}-{index}"].data)
                for index, kind in enumerate(budget.KINDS)
            }
            for network in NETWORKS
        }
        caps = {network: form[f"cap-{network}"].data for network in NETWORKS}
        if attempt(form, lambda: budget.update_budget(db.session, prices, caps, current_user)):
            flash("The prices and caps are saved.", "success")
            return redirect(url_for("admin.api_budget"), 303)
    return render_form(
        "admin/api_budget.html",
        form,
        usage=budget.month_usage(db.session, list(NETWORKS)),
        reads_left={n: budget.reads_left_today(db.session, n) for n in NETWORKS},
        labels=NETWORKS,
        kinds=budget.KINDS,
    )


@bp.route("/audit")
@roles_required("admin")
def audit_log():
    page = page_arg()
    action = request.args.get("action", "")[:64]
    events, has_next = audit.recent(db.session, action=action or None, page=page)
    return render_template(
        "admin/audit.html",
        events=events,
        page=page,
        has_next=has_next,
        action=action,
        actions=audit.actions(db.session),
    )
