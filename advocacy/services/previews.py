"""Filling a content item from its page's Open Graph preview, in the background."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from advocacy import link_preview
from advocacy.images import ImageRefused
from advocacy.models import ContentItem
from advocacy.services import media

WAITING, DONE, FAILED = "waiting", "done", "failed"


def read_preview(
    session: Session,
    instance_path: str,
    item_id: int,
    fetch: Callable[[str], link_preview.Preview] | None = None,
    fetch_image: Callable | None = None,
) -> None:
    """Fill what the marketer left empty (a title still equal to the address, the summary,
    the image) from the page. A page that cannot be read leaves the reason on the item."""
    item = session.get(ContentItem, item_id)
    if item is None or item.preview_status != WAITING:
        return
    fetch = fetch or link_preview.fetch_preview
    fetch_image = fetch_image or link_preview.fetch_image
    try:
        preview = fetch(item.url)
    except link_preview.PreviewFailed as error:
        item.preview_status, item.preview_error = FAILED, str(error)[:300]
        session.commit()
        return
    if preview.title and item.title == item.url[:300]:
        item.title = preview.title[:300]
    if preview.description and not item.summary:
        item.summary = preview.description
    problem = None
    if preview.image_url and not item.image_name:
        try:
            image = fetch_image(preview.image_url)
            item.image_name = media.save_image(instance_path, image.data)
        except (link_preview.PreviewFailed, ImageRefused) as error:
            problem = f"The page's image could not be used: {error}"
    item.preview_status, item.preview_error = DONE, problem
    session.commit()
