"""Content items: what marketing queues, how it is approved, and who may see it when."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock, compliance
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import ContentItem, ContentRevision, Department, Share, User
from advocacy.models.content import APPROVED, ARCHIVED, DRAFT, IN_REVIEW
from advocacy.models.shares import PUBLISHED
from advocacy.services import audit, lexicon, settings
from advocacy.services.networks import NETWORKS
from advocacy.services.users import checked_text

HASHTAG = re.compile(r"#?([^\W_][\w]{0,99})")
EXPIRING_SOON = timedelta(days=3)
# The fields a revision keeps (everything a marketer edits).
REVISED_FIELDS = (
    "campaign_id", "url", "title", "summary", "image_name", "captions", "hashtags",
    "networks", "starts_at", "expires_at",
)  # fmt: skip


@dataclass(frozen=True)
class ItemInput:
    campaign_id: int
    url: str
    title: str
    summary: str
    captions: dict[str, str]
    hashtags: str
    networks: list[str]
    department_ids: list[int]
    starts_at: datetime
    expires_at: datetime | None
    image_name: str | None = None
    fill_from_page: bool = False  # an empty title waits for the page's own


def phase(item: ContentItem, at: datetime | None = None) -> str:
    """Where an item stands: draft, in review, archived, or for an approved item
    scheduled (not started), live, or expired."""
    at = at or clock.now()
    if item.status != APPROVED:
        return item.status
    if item.starts_at > at:
        return "scheduled"
    if item.expires_at is not None and item.expires_at <= at:
        return "expired"
    return "live"


def checked_url(url: str) -> str:
    url = url.strip()
    if not re.fullmatch(r"https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?", url, re.IGNORECASE):
        raise ValidationFailed("Give the full web address of the page, starting with https://.")
    if len(url) > 2048:
        raise ValidationFailed("The address is longer than 2,048 characters.")
    return url


def parse_hashtags(text: str) -> list[str]:
    tags = []
    for word in text.replace(",", " ").split():
        match = HASHTAG.fullmatch(word)
        if not match:
            raise ValidationFailed(f'"{word}" is not a hashtag: use letters, digits and _ only.')
        tags.append("#" + match.group(1))
    unique: dict[str, str] = {}
    for tag in tags:
        unique.setdefault(tag.casefold(), tag)  # the first spelling wins
    return list(unique.values())[:30]


def suggested_text(item: ContentItem, network: str) -> str:
    """What the share form starts with: the suggested caption plus the item's hashtags."""
    caption = item.captions.get(network, "").strip()
    missing = [t for t in item.hashtags if t.casefold() not in caption.casefold()]
    return " ".join(part for part in (caption, " ".join(missing)) if part)


def _checked(session: Session, config: Mapping, data: ItemInput) -> dict:
    networks = [n for n in NETWORKS if n in data.networks]
    if not networks or len(networks) != len(set(data.networks)):
        raise ValidationFailed(f"Choose where it may be shared: {', '.join(NETWORKS.values())}.")
    url = checked_url(data.url)
    title = checked_text(data.title, "title", 300) or (url[:300] if data.fill_from_page else "")
    if not title:
        raise ValidationFailed("Give the item a title, or let Chorus read it from the page.")
    if data.expires_at is not None and data.expires_at <= data.starts_at:
        raise ValidationFailed("The item must expire after it starts.")
    summary = data.summary.strip()
    if len(summary) > 2000:
        raise ValidationFailed("Keep the summary under 2,000 characters.")
    departments = []
    if data.department_ids:
        departments = list(
            session.scalars(select(Department).where(Department.id.in_(data.department_ids)))
        )
        if len(departments) != len(set(data.department_ids)):
            raise ValidationFailed("One of the chosen departments no longer exists.")
    captions = {n: (data.captions.get(n) or "").strip() for n in networks}
    rules = lexicon.rules(session, config)
    for network, caption in captions.items():
        if not caption:
            raise ValidationFailed(f"Write a suggested caption for {NETWORKS[network]}.")
        if len(caption) > 3000:
            raise ValidationFailed(f"The {NETWORKS[network]} caption is too long.")
        result = compliance.screen(caption, network, rules, link=sample_link(config))
        if result.blocked:
            problems = " ".join(p.message for p in result.blocking_problems)
            raise ValidationFailed(f"Suggested caption for {NETWORKS[network]}: {problems}")
    return {
        "campaign_id": data.campaign_id,
        "url": url,
        "title": title,
        "summary": summary,
        "captions": captions,
        "hashtags": parse_hashtags(data.hashtags),
        "networks": networks,
        "starts_at": data.starts_at,
        "expires_at": data.expires_at,
        "departments": departments,
    }


def sample_link(config: Mapping) -> str:
    """A tracked link as long as a real one, for screening text before a share exists."""
    return f"{config['BASE_URL']}/s/xxxxxxxxxxx"


def caption_flags(session: Session, config: Mapping, item: ContentItem) -> dict[str, list[str]]:
    """Flagged terms in the suggested captions: the reviewer sees them."""
    rules = lexicon.rules(session, config)
    flags = {}
    for network, caption in item.captions.items():
        result = compliance.screen(caption, network, rules, link=sample_link(config))
        if result.flags:
            flags[network] = [p.message for p in result.flags]
    return flags


def create_item(session: Session, config: Mapping, data: ItemInput, actor: User) -> ContentItem:
    values = _checked(session, config, data)
    item = ContentItem(**values, image_name=data.image_name, created_by_id=actor.id, status=DRAFT)
    session.add(item)
    session.flush()
    _keep_revision(session, item, actor)
    audit.record(session, "content.created", actor=actor, subject=f"content:{item.id}")
    session.commit()
    return item


def update_item(
    session: Session, config: Mapping, item: ContentItem, data: ItemInput, actor: User
) -> bool:
    """Save an edit as a new version. An approved item goes back to review when approval is
    required, so nothing reaches employees unapproved. True when it did."""
    if item.status == ARCHIVED:
        raise ValidationFailed("An archived item cannot be edited.")
    values = _checked(session, config, data)
    for key, value in values.items():
        setattr(item, key, value)
    if data.image_name:
        item.image_name = data.image_name
    item.version += 1
    item.updated_at = clock.now()
    back_to_review = item.status == APPROVED and settings.get(session, "content_approval_required")
    if back_to_review:
        item.status, item.submitted_by_id = IN_REVIEW, actor.id
        item.approved_by_id = item.approved_at = None
    elif item.status == IN_REVIEW:
        item.submitted_by_id = actor.id  # the editor's words now wait for someone else
    _keep_revision(session, item, actor)
    audit.record(
        session, "content.edited", actor=actor, subject=f"content:{item.id}", version=item.version
    )
    session.commit()
    return back_to_review


def _keep_revision(session: Session, item: ContentItem, actor: User) -> None:
    fields = {}
    for name in REVISED_FIELDS:
        value = getattr(item, name)
        fields[name] = value.isoformat() if isinstance(value, datetime) else value
    fields["departments"] = [d.name for d in item.departments]
    session.add(
        ContentRevision(
            content_item_id=item.id,
            version=item.version,
            saved_by_id=actor.id,
            status=item.status,
            fields=fields,
        )
    )


def submit(session: Session, item: ContentItem, actor: User) -> str:
    """Send a draft on: to review when approval is required, else straight to approved."""
    if item.status != DRAFT:
        raise ValidationFailed(f"Only a draft can be submitted; this item is {item.status}.")
    item.submitted_by_id = actor.id
    if settings.get(session, "content_approval_required"):
        item.status = IN_REVIEW
    else:
        _approve(item, actor)
    audit.record(session, "content.submitted", actor=actor, subject=f"content:{item.id}")
    session.commit()
    return item.status


def approve(session: Session, item: ContentItem, actor: User) -> None:
    if item.status != IN_REVIEW:
        raise ValidationFailed(f"Only an item in review can be approved; it is {item.status}.")
    if actor.id in _authors_since_approval(item):
        raise ValidationFailed(
            "Someone who did not write, edit or submit this version must approve it."
        )
    _approve(item, actor)
    audit.record(
        session, "content.approved", actor=actor, subject=f"content:{item.id}", version=item.version
    )
    session.commit()


def _authors_since_approval(item: ContentItem) -> set[int | None]:
    """Everyone who saved a version since the last approval, and who submitted it."""
    since = item.approved_version or 0
    return {r.saved_by_id for r in item.revisions if r.version > since} | {item.submitted_by_id}


def _approve(item: ContentItem, actor: User) -> None:
    """Approved from now: an item whose start has passed goes live at approval."""
    now = clock.now()
    item.status, item.approved_by_id, item.approved_at = APPROVED, actor.id, now
    item.approved_version, item.review_note = item.version, None
    item.starts_at = max(item.starts_at, now)


def send_back(session: Session, item: ContentItem, actor: User, note: str) -> None:
    """Return an item in review to its author as a draft, with the reviewer's note."""
    if item.status != IN_REVIEW:
        raise ValidationFailed("Only an item in review can be sent back.")
    note = checked_text(note, "note", 500)
    if not note:
        raise ValidationFailed("Say what should change, so the author knows.")
    item.status, item.review_note = DRAFT, note
    audit.record(session, "content.sent_back", actor=actor, subject=f"content:{item.id}", note=note)
    session.commit()


def archive(session: Session, item: ContentItem, actor: User) -> None:
    if item.status == ARCHIVED:
        raise ValidationFailed("This item is already archived.")
    item.status = ARCHIVED
    audit.record(session, "content.archived", actor=actor, subject=f"content:{item.id}")
    session.commit()


def get_item(session: Session, item_id: int) -> ContentItem:
    item = session.get(ContentItem, item_id)
    if item is None:
        raise NotFound("There is no such content item.")
    return item


def share_counts(session: Session, item_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per item: how many shares were published, and by how many people."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(
            Share.content_item_id,
            func.count(Share.id),
            func.count(func.distinct(Share.user_id)),
        )
        .where(Share.content_item_id.in_(item_ids), Share.status == PUBLISHED)
        .group_by(Share.content_item_id)
    )
    return {item_id: {"shares": n, "people": p} for item_id, n, p in rows}


def queue(session: Session, at: datetime | None = None) -> dict[str, list[ContentItem]]:
    """The marketer's view: what waits for approval, goes live when, expires soon, ..."""
    at = at or clock.now()
    items = session.scalars(
        select(ContentItem)
        .where(ContentItem.status != ARCHIVED)
        .options(selectinload(ContentItem.campaign), selectinload(ContentItem.departments))
        .order_by(ContentItem.starts_at)
    ).all()
    groups: dict[str, list[ContentItem]] = {
        "in review": [], "scheduled": [], "live": [], "draft": [], "expired": []
    }  # fmt: skip
    for item in items:
        groups[phase(item, at)].append(item)
    groups["expired"].reverse()
    groups["expired"] = groups["expired"][:20]
    return groups


def expiring_soon(item: ContentItem, at: datetime | None = None) -> bool:
    at = at or clock.now()
    return item.expires_at is not None and at < item.expires_at <= at + EXPIRING_SOON
