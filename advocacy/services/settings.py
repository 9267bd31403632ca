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
