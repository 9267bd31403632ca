"""Checking an image before Chorus keeps it: a marketer's upload or a page's Open Graph image.

A pure library (no Flask, no database): it only reads the bytes and says yes, with the
image's real type and size, or no, with a sentence the marketer can act on.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # image-bomb guard (width*height)
TYPES = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}

# Phone cameras write multi-picture JPEGs, which Pillow names MPO; they are JPEGs to everyone.
_SAME_AS = {"MPO": "JPEG"}
_ACCEPTED = "a JPEG, PNG, GIF or WebP image"
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
_MEGABYTE = 1024 * 1024
_DAMAGED = "The image is damaged or incomplete; please export it again and upload the new file."


class ImageRefused(ValueError):
    """The image cannot be used; the message is a clear sentence for the marketer."""


@dataclass(frozen=True)
class CheckedImage:
    """The original bytes, untouched, with the type and size their content shows."""

    data: bytes
    extension: str  # "jpg", "png", ...
    width: int
    height: int


def check_image(data: bytes, filename: str = "") -> CheckedImage:
    """Accept `data` only if it is a whole JPEG, PNG, GIF or WebP of sane size.

    The content decides the type: a PNG named `photo.jpg` is accepted as a PNG. `filename`
    only improves the message for an SVG. The declared pixel size is checked before any
    pixel is decoded, so an image bomb is refused without being unpacked. Raises
    ImageRefused.
    """
    if not data:
        raise ImageRefused("The file is empty; please choose an image.")
    if len(data) > MAX_BYTES:
        raise ImageRefused(
            f"The image is {_megabytes(len(data))} MB; the limit is {MAX_BYTES // _MEGABYTE} MB."
        )
    try:
        with _open(data) as image:
            kind = _SAME_AS.get(image.format or "", image.format or "")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRefused(
                    f"The image is {width} × {height} pixels; the limit is "
                    f"{MAX_PIXELS // 1_000_000} million pixels."
                )
            image.verify()
        with _open(data) as image:
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow's own bomb guard fires on open, before our check can read the size; under
        # `-W error` (as in the tests) its warning arrives as an exception too.
        raise ImageRefused(
            f"The image has too many pixels; the limit is {MAX_PIXELS // 1_000_000} million."
        ) from error
    except UnidentifiedImageError as error:
        raise ImageRefused(_not_an_image(data, filename)) from error
    except Exception as error:
        # Hostile or broken files make Pillow raise many kinds of error (OSError, SyntaxError,
        # struct.error, zlib.error, ...); to the marketer they all mean the same thing.
        raise ImageRefused(_DAMAGED) from error
    return CheckedImage(data=data, extension=TYPES[kind], width=width, height=height)


def _open(data: bytes) -> Image.Image:
    """Read the header only (Pillow decodes lazily), trying just the accepted formats."""
    return Image.open(io.BytesIO(data), formats=list(TYPES))


def _megabytes(size: int) -> str:
    """Rounded up, so a file just over the limit never reads as "5.0 MB; the limit is 5 MB"."""
    return f"{math.ceil(size * 10 / _MEGABYTE) / 10:.1f}"


def _not_an_image(data: bytes, filename: str) -> str:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if filename.lower().endswith((".svg", ".svgz")) or b"<svg" in head:
        return (
            f"SVG images are not accepted because they can carry scripts; please use {_ACCEPTED}."
        )
    if data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return _DAMAGED
    return f"This file is not an image Chorus accepts; please use {_ACCEPTED}."
