"""Campaigns: a name, a goal, dates and the UTM name their tracked links carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import Campaign, ContentItem, User
from advocacy.services import audit
from advocacy.services.users import checked_text

UTM_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


@dataclass(frozen=True)
class CampaignInput:
    name: str
    goal: str
    starts_on: date
    ends_on: date | None
    utm_campaign: str = ""


def utm_name_for(name: str) -> str:
    """A UTM campaign name from the campaign's name: "Spring Launch 2026" -> spring-launch-2026."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug[:100] or "campaign"


def _checked(session: Session, data: CampaignInput, campaign: Campaign | None) -> dict:
    name = checked_text(data.name, "campaign name", 200)
    if not name:
        raise ValidationFailed("Give the campaign a name.")
    same = session.scalar(select(Campaign).where(func.lower(Campaign.name) == name.lower()))
    if same is not None and same is not campaign:
        raise ValidationFailed(f'A campaign called "{same.name}" already exists.')
    if data.ends_on and data.ends_on < data.starts_on:
        raise ValidationFailed("The campaign cannot end before it starts.")
    utm = (data.utm_campaign or "").strip().lower() or utm_name_for(name)
    if not UTM_NAME.fullmatch(utm):
        raise ValidationFailed(
            f'"{utm}" cannot be a UTM campaign name: use lower-case letters, digits, '
            "dots, dashes and underscores."
        )
    goal = data.goal.strip()
    if len(goal) > 2000:
        raise ValidationFailed("Keep the goal under 2,000 characters.")
    return {
        "name": name,
        "goal": goal,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "utm_campaign": utm,
    }


def create_campaign(session: Session, data: CampaignInput, actor: User) -> Campaign:
    campaign = Campaign(**_checked(session, data, None), created_by_id=actor.id)
    session.add(campaign)
    session.flush()
    audit.record(session, "campaign.created", actor=actor, subject=f"campaign:{campaign.id}")
    session.commit()
    return campaign


def update_campaign(session: Session, campaign: Campaign, data: CampaignInput, actor: User) -> None:
    for key, value in _checked(session, data, campaign).items():
        setattr(campaign, key, value)
    audit.record(session, "campaign.updated", actor=actor, subject=f"campaign:{campaign.id}")
    session.commit()


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("There is no such campaign.")
    return campaign


def all_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id)))


def item_counts(session: Session) -> dict[int, int]:
    """Per campaign, how many items it holds."""
    rows = session.execute(
        select(ContentItem.campaign_id, func.count(ContentItem.id)).group_by(
            ContentItem.campaign_id
        )
    )
    return {campaign_id: count for campaign_id, count in rows}
