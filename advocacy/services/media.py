"""Images kept for content items, under the instance folder, named by random tokens."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from advocacy.images import CheckedImage, check_image

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


def discard(instance_path: str, name: str | None) -> None:
    """Remove an image kept for an item that was then refused."""
    if name and is_image_name(name):
        (folder(instance_path) / name).unlink(missing_ok=True)
