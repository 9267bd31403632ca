"""The employee's side: the feed of shareable items and engage asks, the share form, and
"My shares". Every route asks the gating policy first (services.shares.require_gate)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from advocacy import compliance
from advocacy.authz import certified_required, roles_required
from advocacy.errors import ValidationFailed
from advocacy.extensions import db
from advocacy.forms import ActionForm, attempt, button_action, render_form, to_utc
from advocacy.models.networks import CONNECTED
from advocacy.models.shares import FAILED, IN_REVIEW, PUBLISHED, SCHEDULED
from advocacy.services import (
    clicks,
    content,
    engage,
    engagement,
    feed,
    metrics,
    networks,
    publishing,
    settings,
    shares,
)
from training.gating import may_share, shareable_networks

from .forms import ShareForm

bp = Blueprint("feed", __name__, template_folder="templates")


@bp.route("/feed")
@roles_required("employee")
def index():
    decision = may_share(current_user)
    if not decision:
        return render_template("feed/locked.html", decision=decision)
    allowed = shareable_networks(current_user)
    items = feed.feed_items(db.session, current_user, allowed)
    asks = engage.open_asks(db.session, allowed)  # the asks on networks this person may use
    return render_template(
        "feed/index.html",
        items=items,
        shared=shares.shared_networks(db.session, current_user, [i.id for i in items]),
        asks=asks,
        credits=engagement.credited_actions(db.session, current_user, [a.id for a in asks]),
        in_words=engagement.in_words,
        allowed=allowed,
        labels=networks.NETWORKS,
        actions=engage.ACTIONS,
    )


@bp.route("/feed/items/<id:item_id>/share", methods=["GET", "POST"])
@certified_required
def share(item_id: int):
    item, allowed = shares.shareable_item(db.session, current_user, item_id)
    accounts = networks.accounts_of(db.session, current_user)
    connected = [n for n in allowed if n in accounts and accounts[n].status == CONNECTED]
    form = ShareForm()
    results: dict[str, compliance.Screening] = {}
    if form.validate_on_submit():
        captions = form.chosen_captions(allowed)
        if form.check.data:
            results = (
                attempt(
                    form,
                    lambda: shares.screen_captions(
                        db.session, current_app.config, current_user, item.id, captions
                    ),
                )
                or {}
            )
        else:
            created = attempt(form, lambda: _share(item.id, captions, form))
            if created is not None:
                _tell(created)
                return redirect(url_for("feed.my_shares"), 303)
    elif not form.is_submitted():
        for name in allowed:
            getattr(form, f"caption_{name}").data = content.suggested_text(item, name)
            getattr(form, f"on_{name}").data = name in connected
    return render_form(
        "feed/share.html",
        form,
        item=item,
        allowed=allowed,
        connected=connected,
        results=results,
        labels=networks.NETWORKS,
        limits=compliance.LIMITS,
        disclosure=settings.get(db.session, "disclosure"),
    )


def _share(item_id: int, captions: dict[str, str], form: ShareForm):
    when = None
    if form.schedule.data:
        when = to_utc(form.when.data, form.timezone.data)
        if when is None:
            raise ValidationFailed("Pick the date and time to schedule the share for.")
    created = shares.create_shares(
        db.session, current_app.config, current_user, item_id, captions, when
    )
    if when is None:
        connect = networks.connectors_of(current_app)
        for share in created:
            if share.status == SCHEDULED:
                publishing.publish(db.session, current_app.config, share, connect)
    return created


def _tell(created) -> None:
    for share in created:
        label = networks.NETWORKS[share.network]
        if share.status == PUBLISHED:
            flash(f"Shared on {label}.", "success")
        elif share.status == IN_REVIEW:
            flash(f"Your {label} post waits for a marketer's review: a term was flagged.", "info")
        elif share.status == SCHEDULED:
            flash(f"Your {label} post is scheduled.", "success")
        elif share.status == FAILED:
            flash(f"Your {label} post did not go out: {share.failure_reason}", "error")


@bp.route("/shares")
@roles_required("employee")
def my_shares():
    mine = shares.shares_of(db.session, current_user)
    return render_template(
        "feed/shares.html",
        shares=mine,
        clicks=clicks.click_counts(db.session, [s.id for s in mine]),
        measured=metrics.latest(db.session, [s.id for s in mine]),
        form=ActionForm(),
        labels=networks.NETWORKS,
        sandbox=networks.sandboxed(current_app.config),
    )


@bp.route("/shares/<id:share_id>/retry", methods=["POST"])
@certified_required
def retry(share_id: int):
    shares.require_gate(current_user)
    button_action(
        lambda: _tell(
            [
                shares.retry(
                    db.session,
                    current_app.config,
                    current_user,
                    share_id,
                    networks.connectors_of(current_app),
                )
            ]
        ),
        lambda: "Tried again.",
    )
    return redirect(url_for("feed.my_shares"), 303)


@bp.route("/shares/<id:share_id>/cancel", methods=["POST"])
@roles_required("employee")
def cancel(share_id: int):
    button_action(
        lambda: shares.cancel(db.session, current_user, share_id), lambda: "The share is cancelled."
    )
    return redirect(url_for("feed.my_shares"), 303)
