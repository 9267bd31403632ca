"""Images kept for content items, under the instance folder, named by random tokens, and
who may see them: whoever may see their item."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from advocacy.errors import NotFound
from advocacy.images import CheckedImage, check_image
from advocacy.models import ContentItem, User
from advocacy.services import feed
from training.gating import shareable_networks

NAME = re.compile(r"[A-Za-z0-9_-]{16,64}\.(?:jpg|png|gif|webp)")


def folder(instance_path: str) -> Path:
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_image(instance_path: str, data: bytes, filename: str = "") -> str:
    """Check the bytes (images.ImageRefused says why not) and keep them; the stored name."""
    image: CheckedImage = check_image(data, filename)
    name = f"{secrets.token_urlsafe(16)}.{image.extension}"
    (folder(instance_path) / name).write_bytes(image.data)
    return name


def is_image_name(name: str) -> bool:
    return bool(NAME.fullmatch(name))


def image_for(session: Session, viewer: User, name: str) -> str:
    """The name of an item's image this person may see: marketers and admins any item's,
    an employee only those of items in their feed (feed.visible_to). Anything else is
    "not found", so a draft's or another department's picture stays unseen even by
    someone who has its name."""
    if not is_image_name(name):
        raise NotFound("There is no such image.")
    items = session.scalars(select(ContentItem.id).where(ContentItem.image_name == name)).all()
    if items and viewer.has_role("marketer", "admin"):
        return name
    allowed = shareable_networks(viewer) if viewer.has_role("employee") else []
    for item_id in items:
        try:
            feed.visible_to(session, viewer, item_id, allowed)
        except NotFound:
            continue
        return name
    raise NotFound("There is no such image.")


def discard(instance_path: str, name: str | None) -> None:
    """Remove an image kept for an item that was then refused."""
    if name and is_image_name(name):
        (folder(instance_path) / name).unlink(missing_ok=True)
