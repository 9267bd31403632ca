"""The marketer's pages: the content queue, campaigns, items and their approval, engage
asks, and flagged shares waiting for review."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from advocacy import clock
from advocacy.authz import roles_required, signed_in
from advocacy.errors import ValidationFailed
from advocacy.extensions import db
from advocacy.forms import ActionForm, attempt, button_action, id_arg, render_form, to_utc
from advocacy.images import ImageRefused
from advocacy.models.content import APPROVED, DRAFT, IN_REVIEW
from advocacy.services import (
    campaigns,
    clicks,
    content,
    engage,
    engagement,
    media,
    networks,
    previews,
    settings,
    shares,
    users,
)
from advocacy.tasks import read_page_preview

from .forms import AskForm, CampaignForm, ItemForm, ReviewForm, SendBackForm

bp = Blueprint("content", __name__, template_folder="templates")
MARKETING = ("marketer", "admin")
_WEEK = timedelta(days=7)


@bp.route("/content")
@roles_required(*MARKETING)
def queue():
    groups = content.queue(db.session)
    ids = [item.id for group in groups.values() for item in group]
    return render_template(
        "content/queue.html",
        groups=groups,
        counts=content.share_counts(db.session, ids),
        clicks=clicks.item_click_counts(db.session, ids),
        expiring=content.expiring_soon,
        reviews=shares.review_count(db.session),
        campaigns=campaigns.all_campaigns(db.session),
        item_counts=campaigns.item_counts(db.session),
        labels=networks.NETWORKS,
    )


def _campaign_input(form: CampaignForm) -> campaigns.CampaignInput:
    return campaigns.CampaignInput(
        name=form.name.data,
        goal=form.goal.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        utm_campaign=form.utm_campaign.data or "",
    )


@bp.route("/content/campaigns/new", methods=["GET", "POST"])
@roles_required(*MARKETING)
def campaign_new():
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = attempt(
            form,
            lambda: campaigns.create_campaign(db.session, _campaign_input(form), current_user),
        )
        if campaign is not None:
            flash(f"Campaign {campaign.name} is created. Add its first item.", "success")
            return redirect(url_for("content.item_new", campaign=campaign.id), 303)
    elif not form.is_submitted():
        form.starts_on.data = clock.now().date()
    return render_form("content/campaign_form.html", form, campaign=None)


@bp.route("/content/campaigns/<id:campaign_id>", methods=["GET", "POST"])
@roles_required(*MARKETING)
def campaign_edit(campaign_id: int):
    campaign = campaigns.get_campaign(db.session, campaign_id)
    form = CampaignForm(obj=campaign)
    if form.validate_on_submit():
        done = attempt(
            form,
            lambda: (
                campaigns.update_campaign(db.session, campaign, _campaign_input(form), current_user)
                or True
            ),
        )
        if done:
            flash("The campaign is saved.", "success")
            return redirect(url_for("content.campaign_edit", campaign_id=campaign.id), 303)
    return render_form(
        "content/campaign_form.html",
        form,
        campaign=campaign,
        counts=content.share_counts(db.session, [i.id for i in campaign.items]),
        phase=content.phase,
    )


def _item_form(item=None) -> ItemForm:
    form = ItemForm(obj=item)
    every = campaigns.all_campaigns(db.session)
    form.campaign.choices = [SelectChoice(c.id, c.name) for c in every]
    form.departments.choices = [SelectChoice(d.id, d.name) for d in users.departments(db.session)]
    return form


def _item_input(form: ItemForm, image_name: str | None) -> content.ItemInput:
    return content.ItemInput(
        campaign_id=form.campaign.data,
        url=form.url.data or "",
        title=form.title.data or "",
        summary=form.summary.data or "",
        captions={n: getattr(form, f"caption_{n}").data or "" for n in networks.NETWORKS},
        hashtags=form.hashtags.data or "",
        networks=form.networks.data or [],
        department_ids=form.departments.data or [],
        starts_at=to_utc(form.starts_at.data, form.timezone.data) or clock.now(),
        expires_at=to_utc(form.expires_at.data, form.timezone.data),
        image_name=image_name,
        fill_from_page=form.read_page.data,
    )


def _uploaded_image(form: ItemForm) -> str | None:
    upload = form.image.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return media.save_image(current_app.instance_path, upload.read(), upload.filename)
    except ImageRefused as error:
        raise ValidationFailed(str(error)) from error


@contextmanager
def _discarded_if_refused(image_name: str | None) -> Iterator[None]:
    """An image kept for a form the service then refuses is removed again."""
    try:
        yield
    except ValidationFailed:
        media.discard(current_app.instance_path, image_name)
        raise


def _after_save(item, form: ItemForm) -> None:
    """Read the page's preview in the background when the marketer asked for it."""
    if form.read_page.data:
        item.preview_status, item.preview_error = previews.WAITING, None
        db.session.commit()
        read_page_preview(item.id)


@bp.route("/content/items/new", methods=["GET", "POST"])
@roles_required(*MARKETING)
def item_new():
    form = _item_form()
    if not form.campaign.choices:
        flash("Create a campaign first: every item belongs to one.", "info")
        return redirect(url_for("content.campaign_new"), 303)
    if form.validate_on_submit():

        def create():
            image = _uploaded_image(form)
            with _discarded_if_refused(image):
                item = content.create_item(
                    db.session, current_app.config, _item_input(form, image), current_user
                )
            _after_save(item, form)
            return item

        item = attempt(form, create)
        if item is not None:
            flash("The item is saved as a draft. Submit it when it is ready.", "success")
            return redirect(url_for("content.item", item_id=item.id), 303)
    elif not form.is_submitted():
        form.campaign.data = id_arg("campaign")
        form.networks.data = list(networks.NETWORKS)
    return render_form("content/item_form.html", form, item=None, labels=networks.NETWORKS)


@bp.route("/content/items/<id:item_id>/edit", methods=["GET", "POST"])
@roles_required(*MARKETING)
def item_edit(item_id: int):
    item = content.get_item(db.session, item_id)
    form = _item_form(item)
    if form.validate_on_submit():

        def save():
            image = _uploaded_image(form)
            with _discarded_if_refused(image):
                back = content.update_item(
                    db.session, current_app.config, item, _item_input(form, image), current_user
                )
            _after_save(item, form)
            return back

        back_to_review = attempt(form, save)
        if back_to_review is not None:
            flash(
                "Saved. The change needs approval again before employees see it."
                if back_to_review
                else "Saved.",
                "success",
            )
            return redirect(url_for("content.item", item_id=item.id), 303)
    elif not form.is_submitted():
        form.campaign.data = item.campaign_id
        form.departments.data = [d.id for d in item.departments]
        form.hashtags.data = " ".join(item.hashtags)
        form.read_page.data = False
        form.starts_at.data = item.starts_at.replace(tzinfo=None)
        form.expires_at.data = item.expires_at.replace(tzinfo=None) if item.expires_at else None
        for name in networks.NETWORKS:
            getattr(form, f"caption_{name}").data = item.captions.get(name, "")
    return render_form("content/item_form.html", form, item=item, labels=networks.NETWORKS)


@bp.route("/content/items/<id:item_id>")
@roles_required(*MARKETING)
def item(item_id: int):
    item = content.get_item(db.session, item_id)
    return render_template(
        "content/item.html",
        item=item,
        phase=content.phase(item),
        counts=content.share_counts(db.session, [item.id]).get(item.id),
        flags=content.caption_flags(db.session, current_app.config, item),
        form=ActionForm(),
        send_back_form=SendBackForm(),
        labels=networks.NETWORKS,
        approval_required=settings.get(db.session, "content_approval_required"),
        states={"draft": DRAFT, "in_review": IN_REVIEW, "approved": APPROVED},
    )


def _item_action(item_id: int, action, success: str):
    item = content.get_item(db.session, item_id)
    button_action(lambda: action(item), lambda: success)
    return redirect(url_for("content.item", item_id=item.id), 303)


@bp.route("/content/items/<id:item_id>/submit", methods=["POST"])
@roles_required(*MARKETING)
def item_submit(item_id: int):
    item = content.get_item(db.session, item_id)
    button_action(
        lambda: content.submit(db.session, item, current_user),
        lambda: "Sent for approval." if item.status == IN_REVIEW else "Approved.",
    )
    return redirect(url_for("content.item", item_id=item.id), 303)


@bp.route("/content/items/<id:item_id>/approve", methods=["POST"])
@roles_required(*MARKETING)
def item_approve(item_id: int):
    return _item_action(
        item_id, lambda item: content.approve(db.session, item, current_user), "Approved."
    )


@bp.route("/content/items/<id:item_id>/send-back", methods=["POST"])
@roles_required(*MARKETING)
def item_send_back(item_id: int):
    item = content.get_item(db.session, item_id)
    form = SendBackForm()
    if form.validate_on_submit() and attempt(
        form, lambda: content.send_back(db.session, item, current_user, form.note.data) or True
    ):
        flash("Sent back to the author with your note.", "success")
    for message in [*form.form_errors, *form.note.errors]:
        flash(message, "error")
    return redirect(url_for("content.item", item_id=item.id), 303)


@bp.route("/content/items/<id:item_id>/archive", methods=["POST"])
@roles_required(*MARKETING)
def item_archive(item_id: int):
    return _item_action(
        item_id,
        lambda item: content.archive(db.session, item, current_user),
        "Archived: employees no longer see it.",
    )


@bp.route("/media/<name>")
@signed_in
def image(name: str):
    name = media.image_for(db.session, current_user, name)
    response = send_from_directory(media.folder(current_app.instance_path), name, max_age=86400)
    response.cache_control.public = False  # who may see it depends on who asks
    response.cache_control.private = True
    return response


@bp.route("/content/asks", methods=["GET", "POST"])
@roles_required(*MARKETING)
def asks():
    form = AskForm()
    form.campaign.choices = [SelectChoice(0, "No campaign")] + [
        SelectChoice(c.id, c.name) for c in campaigns.all_campaigns(db.session)
    ]
    if form.validate_on_submit():

        def create():
            data = engage.AskInput(
                post_url=form.post_url.data,
                actions=form.actions.data or [],
                message=form.message.data or "",
                expires_at=to_utc(form.expires_at.data, form.timezone.data),
                campaign_id=form.campaign.data or None,
            )
            return engage.create_ask(db.session, data, current_user)

        if attempt(form, create):
            flash("The ask is in certified employees' feeds.", "success")
            return redirect(url_for("content.asks"), 303)
    elif not form.is_submitted():
        form.expires_at.data = clock.now().replace(second=0, microsecond=0, tzinfo=None) + _WEEK
    open_asks, ended = engage.open_asks(db.session), engage.ended_asks(db.session)
    return render_form(
        "content/asks.html",
        form,
        asks=open_asks,
        ended=ended,
        credits=engagement.credited(db.session, [a.id for a in open_asks + ended]),
        close_form=ActionForm(),
        labels=networks.NETWORKS,
        actions=engage.ACTIONS,
    )


@bp.route("/content/asks/<id:ask_id>/close", methods=["POST"])
@roles_required(*MARKETING)
def ask_close(ask_id: int):
    button_action(
        lambda: engage.close_ask(db.session, ask_id, current_user),
        lambda: "The ask is closed.",
    )
    return redirect(url_for("content.asks"), 303)


@bp.route("/content/reviews")
@roles_required(*MARKETING)
def reviews():
    return render_template(
        "content/reviews.html",
        waiting=shares.awaiting_review(db.session),
        form=ReviewForm(),
        labels=networks.NETWORKS,
    )


@bp.route("/content/reviews/<id:share_id>", methods=["POST"])
@roles_required(*MARKETING)
def review(share_id: int):
    form = ReviewForm()
    if form.validate_on_submit():
        share = attempt(
            form,
            lambda: shares.review(
                db.session,
                current_app.config,
                share_id,
                current_user,
                approve=bool(form.approve.data),
                note=form.note.data or "",
                connect=networks.connectors_of(current_app),
            ),
        )
        if share is not None:
            flash(f"The share is {share.status}.", "success")
    for message in [*form.form_errors, *form.note.errors]:  # a note too long is said too
        flash(message, "error")
    return redirect(url_for("content.reviews"), 303)
