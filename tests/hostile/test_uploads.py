"""Hostile image uploads on the item form: disguised files, bombs, truncated and oversized
images are refused with a sentence the marketer can act on, and nothing is kept, neither a
file in the uploads folder nor a row."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from advocacy.images import MAX_BYTES
from tests.conftest import csrf_token
from tests.content.test_marketer import item_form, png_bytes, text
from tests.hostile.conftest import changed_tables, database_state, stored_files

NOT_AN_IMAGE = "This file is not an image Chorus accepts"
DAMAGED = "The image is damaged or incomplete"
BOMB = "too many pixels"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG declaring width x height pixels of black, whose data would inflate to gigabytes:
    the first rows, compressed a thousandfold, then the end of the file."""
    rows = zlib.compress(b"\0" * (width // 8 + 1) * 64, 9)  # 1-bit rows with filter bytes
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def gif_bomb() -> bytes:
    """A GIF whose screen and frame are 65535 x 65535."""
    screen = struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    frame = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x4c\x01\x00;"
    return b"GIF89a" + screen + frame


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims another size."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def image_bytes(kind: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 50).convert("RGB").save(buffer, kind)
    return buffer.getvalue()


HOSTILE = {
    "exe renamed .png": (b"MZ\x90\x00\x03" + b"\x00" * 58 + b"PE\x00\x00" * 50, "setup.png"),
    "html renamed .png": (b"<!doctype html><script>alert(1)</script>", "photo.png"),
    "svg renamed .png": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "logo.png",
    ),
    "pdf renamed .jpg": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "scan.jpg"),
    "png bomb": (png_bomb(), "bomb.png"),
    "gif bomb": (gif_bomb(), "bomb.gif"),
    "jpeg bomb": (jpeg_declaring(60_000, 60_000), "bomb.jpg"),
    "truncated png": (image_bytes("PNG")[:-30], "cut.png"),
    "truncated jpeg": (image_bytes("JPEG")[:300], "cut.jpg"),
    "truncated gif": (image_bytes("GIF")[:60], "cut.gif"),
    "truncated webp": (image_bytes("WEBP")[:40], "cut.webp"),
    "just a header": (b"\x89PNG\r\n\x1a\n", "empty.png"),
    "over 5 MB": (png_bytes() + b"\0" * MAX_BYTES, "huge.png"),
}
MESSAGES = {
    "exe renamed .png": NOT_AN_IMAGE,
    "html renamed .png": NOT_AN_IMAGE,
    "svg renamed .png": "SVG images are not accepted because they can carry scripts",
    "pdf renamed .jpg": NOT_AN_IMAGE,
    "png bomb": BOMB,
    "gif bomb": BOMB,
    "jpeg bomb": BOMB,
    "over 5 MB": "the limit is 5 MB",
}


def new_item(client, campaign_id: int, **overrides):
    """The item form with its upload, encoded in memory: werkzeug's test client would spool
    a large body to a temporary file that it never closes."""
    fields = {"csrf_token": csrf_token(client), **item_form(campaign_id, **overrides)}
    return post_multipart(client, "/content/items/new", fields)


def post_multipart(client, url: str, fields: dict):
    boundary, body = encode_multipart(MultiDict(_as_file_pairs(fields)))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _as_file_pairs(fields: dict):
    for name, value in fields.items():
        if isinstance(value, tuple):
            stream, filename = value
            yield name, FileStorage(stream, filename=filename, content_type="image/png")
        else:
            for one in value if isinstance(value, list) else [value]:
                yield name, one


@pytest.fixture
def marketing(app, marketer):
    from tests.conftest import sign_in

    browser = app.test_client()
    assert sign_in(browser, marketer.email).status_code == 303
    return browser


def uploads_folder(app) -> Path:
    return Path(app.instance_path) / "uploads"


@pytest.mark.parametrize("what", sorted(HOSTILE))
def test_a_hostile_image_is_refused_on_a_new_item_and_nothing_is_kept(
    app, marketing, campaign, what
):
    data, name = HOSTILE[what]
    before = database_state()

    response = new_item(marketing, campaign.id, image=(io.BytesIO(data), name))

    assert response.status_code == 400
    assert MESSAGES.get(what, DAMAGED) in text(response)
    assert 'class="form-errors"' in response.get_data(as_text=True)
    assert changed_tables(before, database_state()) == []
    assert stored_files(uploads_folder(app)) == []


@pytest.mark.parametrize("what", ["png bomb", "html renamed .png", "truncated jpeg"])
def test_a_hostile_image_on_an_edit_leaves_the_item_and_its_image_as_they_were(
    app, marketing, campaign, what
):
    assert (
        new_item(marketing, campaign.id, image=(io.BytesIO(png_bytes()), "a.png")).status_code
        == 303
    )
    kept = stored_files(uploads_folder(app))
    before = database_state()
    data, name = HOSTILE[what]

    response = post_multipart(
        marketing,
        f"/content/items/{_only_item_id()}/edit",
        {
            "csrf_token": csrf_token(marketing),
            **item_form(campaign.id, title="Changed"),
            "image": (io.BytesIO(data), name),
        },
    )

    assert response.status_code == 400
    assert MESSAGES.get(what, DAMAGED) in text(response)
    assert changed_tables(before, database_state()) == []
    assert stored_files(uploads_folder(app)) == kept


def _only_item_id() -> int:
    from tests.content.test_marketer import items

    (item,) = items()
    return item.id


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(app, marketing, campaign):
    huge = b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    before = database_state()

    response = new_item(marketing, campaign.id, image=(io.BytesIO(huge), "huge.png"))

    assert response.status_code == 413
    assert "larger than Chorus accepts" in text(response)
    assert changed_tables(before, database_state()) == []
    assert stored_files(uploads_folder(app)) == []


def test_an_image_with_html_appended_is_served_as_an_image_only(app, marketing, campaign):
    """A polyglot (a real PNG with a page after it) is a valid image; it is served with its
    image type, never sniffed as a page, and only from Chorus's own folder."""
    polyglot = png_bytes() + b"<html><script>alert(1)</script></html>"
    assert (
        new_item(marketing, campaign.id, image=(io.BytesIO(polyglot), "x.html")).status_code == 303
    )
    (name,) = stored_files(uploads_folder(app))
    assert name.endswith(".png")

    served = marketing.get(f"/media/{name}")

    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in served.headers["Content-Security-Policy"]
    served.close()
