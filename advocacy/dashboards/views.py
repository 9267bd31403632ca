"""Dashboards: the executive overview, a campaign's results, an employee's own results
with the leaderboard, exports of every table, a printable monthly summary, and the media
prices behind earned media value."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from advocacy import clock
from advocacy.authz import roles_required
from advocacy.errors import ValidationFailed
from advocacy.extensions import db
from advocacy.forms import ActionForm, attempt, button_action, render_form
from advocacy.models import Campaign, Department
from advocacy.security import CHART_CONTENT_SECURITY_POLICY
from advocacy.services import dashboards as service
from advocacy.services.networks import NETWORKS
from dashboards import charts, queries
from dashboards.exports import EXPORT_TYPES, csv_bytes, xlsx_bytes
from dashboards.filters import PRESET_LABELS, Filters, parse_filters
from dashboards.metrics import MediaPrice

from .forms import media_value_form

bp = Blueprint("dashboards", __name__, template_folder="templates")
READERS = ("executive", "marketer", "admin")


def _filters(**fixed: object) -> Filters:
    args = dict(request.args.items()) | {k: str(v) for k, v in fixed.items()}
    return parse_filters(args, clock.now().date(), NETWORKS)


def _choices() -> dict:
    return {
        "presets": PRESET_LABELS,
        "campaigns": db.session.scalars(select(Campaign).order_by(Campaign.name)).all(),
        "departments": db.session.scalars(select(Department).order_by(Department.name)).all(),
        "labels": NETWORKS,
    }


def _charts(filters: Filters) -> dict:
    """Every chart of the overview: (table name, frame, figure JSON or None)."""
    session = db.session
    at = service.standing_at(filters)
    frames = {
        "over-time": (queries.over_time(session, filters), _over_time_chart(filters)),
        "networks": (queries.by_network(session, filters, NETWORKS), charts.by_network),
        "content": (queries.top_content(session, filters), charts.top_content),
        "advocates": (queries.top_advocates(session, filters), charts.top_advocates),
        "departments": (queries.departments(session, filters, at), charts.departments),
        "funnel": (queries.funnel(session, filters, at), charts.funnel),
    }
    return {name: (frame, draw(frame)) for name, (frame, draw) in frames.items()}


def _over_time_chart(filters: Filters):
    return lambda frame: charts.over_time(frame, weekly=filters.grain == "week")


@bp.after_request
def allow_charts(response: Response) -> Response:
    """plotly.js needs an empty <style> it fills itself and blob: images for PNG download;
    only these pages get that (advocacy.security.CHART_CONTENT_SECURITY_POLICY)."""
    response.headers.setdefault("Content-Security-Policy", CHART_CONTENT_SECURITY_POLICY)
    return response


@bp.route("/dashboards")
@roles_required(*READERS)
def overview():
    filters = _filters()
    return render_template(
        "dashboards/overview.html",
        filters=filters,
        comparison=service.compare(db.session, filters),
        charts=_charts(filters),
        currency=service.currency(db.session),
        as_of=service.figures_as_of(db.session),
        **_choices(),
    )


@bp.route("/dashboards/campaigns/<id:campaign_id>")
@roles_required(*READERS)
def campaign(campaign_id: int):
    found = service.campaign(db.session, campaign_id)
    filters = _filters(campaign=campaign_id)
    session = db.session
    over_time = queries.over_time(session, filters)
    networks = queries.by_network(session, filters, NETWORKS)
    return render_template(
        "dashboards/campaign.html",
        campaign=found,
        filters=filters,
        comparison=service.compare(session, filters),
        over_time=(over_time, _over_time_chart(filters)(over_time)),
        networks=(networks, charts.by_network(networks)),
        items=queries.top_content(session, filters, limit=None),
        advocates=queries.top_advocates(session, filters),
        currency=service.currency(session),
        as_of=service.figures_as_of(session),
        **_choices(),
    )


@bp.route("/dashboards/me")
@roles_required("employee")
def mine():
    filters = _filters()
    session = db.session
    totals = queries.network_totals(session, filters, current_user.id)
    credits = queries.credits_in(session, filters, current_user.id)
    return render_template(
        "dashboards/mine.html",
        filters=filters,
        totals=totals,
        credits=credits,
        points=service.points_of(totals, credits),
        leaderboard=queries.leaderboard(session, filters),
        form=ActionForm(),
        **_choices(),
    )


@bp.route("/dashboards/me/leaderboard", methods=["POST"])
@roles_required("employee")
def leaderboard_choice():
    leave = request.form.get("choice") == "leave"
    button_action(
        lambda: service.set_leaderboard_opt_out(db.session, current_user, leave),
        lambda: "You are no longer on the leaderboard." if leave else "You are on the leaderboard.",
    )
    return redirect(url_for("dashboards.mine"), 303)


@bp.route("/dashboards/export/<name>.<any(csv, xlsx):kind>")
@roles_required(*READERS)
def export(name: str, kind: str):
    filters = _filters()
    frame = service.table(db.session, name, filters, NETWORKS)
    stem = f"chorus-{name}-{filters.start.isoformat()}-to-{filters.end.isoformat()}"
    body = csv_bytes(frame) if kind == "csv" else xlsx_bytes(frame, service.TABLES[name][0])
    return Response(
        body,
        mimetype=EXPORT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{kind}"'},
    )


@bp.route("/dashboards/summary")
@roles_required(*READERS)
def summary():
    """A printable summary of one calendar month (the last full one unless given)."""
    month = _month(request.args.get("month", ""))
    end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    filters = Filters(start=month, end=end, preset="custom")
    session = db.session
    return render_template(
        "dashboards/summary.html",
        month=month,
        filters=filters,
        comparison=service.compare(session, filters),
        networks=queries.by_network(session, filters, NETWORKS),
        content=queries.top_content(session, filters, limit=5),
        advocates=queries.top_advocates(session, filters, limit=5),
        departments=queries.departments(session, filters, service.standing_at(filters)),
        currency=service.currency(session),
        labels=NETWORKS,
    )


def _month(raw: str) -> date:
    if not raw:
        return (clock.now().date().replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValidationFailed("Give the month as YYYY-MM.") from None


@bp.route("/dashboards/media-value", methods=["GET", "POST"])
@roles_required("admin")
def media_value():
    form = media_value_form(NETWORKS, request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.currency.data = service.currency(db.session)
        for network, price in service.media_prices(db.session).items():
            if network in NETWORKS:
                form[f"cpm-{network}"].data = Decimal(str(price.cpm))
                form[f"cpc-{network}"].data = Decimal(str(price.cpc))
    if form.validate_on_submit():
        prices = {
            n: MediaPrice(float(form[f"cpm-{n}"].data), float(form[f"cpc-{n}"].data))
            for n in NETWORKS
        }
        saved = attempt(
            form,
            lambda: service.update_media_value(
                db.session, form.currency.data, prices, current_user
            ),
        )
        if saved:
            flash("Media prices are saved; earned media value uses them from now on.", "success")
            return redirect(url_for("dashboards.media_value"), 303)
    return render_form("dashboards/media_value.html", form, labels=NETWORKS)
