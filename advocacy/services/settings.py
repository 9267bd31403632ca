"""Settings the admin changes in the app (not the deployment's environment): stored only
when changed, read with their defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from advocacy.models import Setting, User
from advocacy.services import audit

DEFAULTS: dict[str, Any] = {
    # A second marketer (or an admin) approves content before it goes live.
    "content_approval_required": True,
    # Appended to every post that lacks it (FTC endorsement guidance: in the post itself).
    "disclosure": "#employee",
    # Sites a caption may link to, besides the share's own tracked link.
    "approved_domains": [],
    # Estimated price per billed API call, by network and kind (services.budget.KINDS), in
    # US dollars. X bills per post created (more with a link) and per post or user read;
    # LinkedIn's API has no per-call price. Companies enter their own contract's prices.
    "api_prices": {
        "x": {
            "post created": 0.01,
            "post created with link": 0.2,
            "post read": 0.005,
            "user read": 0.01,
        },
        "linkedin": {
            "post created": 0.0,
            "post created with link": 0.0,
            "post read": 0.0,
            "user read": 0.0,
        },
    },
    # Most posts the metric sync may read per network per day; None is no cap.
    "daily_read_cap": {"x": None, "linkedin": None},
    # Earned media value: what the same impressions and clicks would cost as paid media, per
    # network (CPM per 1,000 impressions, CPC per click). Typical public list prices as a
    # start; companies enter their own.
    "media_value": {
        "currency": "USD",
        "x": {"cpm": 6.5, "cpc": 0.4},
        "linkedin": {"cpm": 33.8, "cpc": 5.6},
    },
}


def get(session: Session, key: str) -> Any:
    stored = session.get(Setting, key)
    return DEFAULTS[key] if stored is None else stored.value


def put(session: Session, key: str, value: Any, actor: User | None) -> None:
    """Change one setting (audited); the caller commits."""
    if key not in DEFAULTS:
        raise KeyError(key)
    stored = session.get(Setting, key)
    if stored is None:
        session.add(Setting(key=key, value=value))
    elif stored.value == value:
        return
    else:
        stored.value = value
    audit.record(session, "setting.changed", actor=actor, subject=key, value=value)
