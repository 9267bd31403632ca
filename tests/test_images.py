"""check_image: what a marketer may upload, and the sentence they read when it is refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from advocacy.images import MAX_BYTES, MAX_PIXELS, CheckedImage, ImageRefused, check_image


def image_bytes(kind: str, size: tuple[int, int] = (32, 24), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color=0).save(buffer, kind)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header (IHDR) claims another size, with a valid checksum."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    # Signature (8) + chunk length (4) + b"IHDR" (4), then width and height.
    data[16:24] = struct.pack(">II", width, height)
    ihdr = bytes(data[12:29])
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    ("kind", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")]
)
def test_accepted_image_keeps_its_bytes_type_and_size(kind: str, extension: str) -> None:
    data = image_bytes(kind)

    checked = check_image(data, "upload")

    assert checked == CheckedImage(data=data, extension=extension, width=32, height=24)
    assert checked.data is data


def test_content_decides_the_extension_not_the_filename() -> None:
    assert check_image(image_bytes("PNG"), "holiday.jpg").extension == "png"


def test_phone_multi_picture_jpeg_is_a_jpeg() -> None:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (16, 16)), Image.new("RGB", (16, 16), color=255)
    first.save(buffer, "MPO", save_all=True, append_images=[second])

    assert check_image(buffer.getvalue()).extension == "jpg"


def test_empty_file_is_refused() -> None:
    with pytest.raises(ImageRefused, match="The file is empty"):
        check_image(b"")


def test_file_over_the_limit_is_refused_with_its_size() -> None:
    data = image_bytes("PNG") + b"\0" * MAX_BYTES

    with pytest.raises(ImageRefused) as refused:
        check_image(data)

    assert str(refused.value) == "The image is 5.1 MB; the limit is 5 MB."


def test_size_message_reads_like_a_person_wrote_it() -> None:
    with pytest.raises(ImageRefused, match=r"^The image is 7\.2 MB; the limit is 5 MB\.$"):
        check_image(b"x" * int(7.2 * 1024 * 1024))


def test_file_of_exactly_the_limit_is_checked_not_refused_for_size() -> None:
    data = image_bytes("PNG")
    data += b"\0" * (MAX_BYTES - len(data))  # trailing bytes after IEND are ignored

    assert check_image(data).extension == "png"


def test_text_file_is_refused_naming_accepted_types() -> None:
    with pytest.raises(ImageRefused, match="not an image Chorus accepts.*JPEG, PNG, GIF or WebP"):
        check_image(b"Dear marketer, this is a letter.\n", "letter.png")


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.png"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', ""),
        (b"\x1f\x8b\x08\x00 compressed svg", "logo.svgz"),
    ],
)
def test_svg_is_refused_because_it_can_carry_script(data: bytes, filename: str) -> None:
    with pytest.raises(ImageRefused, match="SVG images are not accepted.*scripts"):
        check_image(data, filename)


@pytest.mark.parametrize("kind", ["BMP", "TIFF", "ICO"])
def test_other_image_types_are_refused(kind: str) -> None:
    with pytest.raises(ImageRefused, match="not an image Chorus accepts"):
        check_image(image_bytes(kind))


def test_png_header_followed_by_garbage_is_damaged() -> None:
    with pytest.raises(ImageRefused, match="damaged or incomplete"):
        check_image(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


def test_png_with_a_corrupt_chunk_is_damaged() -> None:
    data = bytearray(image_bytes("PNG", (64, 64)))
    data[-20] ^= 0xFF  # inside the image data: the chunk checksum no longer matches

    with pytest.raises(ImageRefused, match="damaged or incomplete"):
        check_image(bytes(data))


def test_truncated_jpeg_is_damaged() -> None:
    noise = Image.effect_noise((256, 256), 64).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG")
    data = buffer.getvalue()

    with pytest.raises(ImageRefused, match="damaged or incomplete"):
        check_image(data[: len(data) // 2])


def test_image_over_the_pixel_limit_is_refused_before_decoding() -> None:
    data = image_bytes("PNG", (8000, 5001), mode="1")  # 40,008,000 pixels, a few kB

    assert len(data) < 100_000
    with pytest.raises(ImageRefused, match=r"8000 × 5001 pixels; the limit is 40 million"):
        check_image(data)


def test_image_at_the_pixel_limit_is_accepted() -> None:
    checked = check_image(image_bytes("PNG", (8000, 5000), mode="1"))

    assert checked.width * checked.height == MAX_PIXELS


def test_declared_huge_image_is_refused_as_a_bomb() -> None:
    with pytest.raises(ImageRefused, match="too many pixels"):
        check_image(png_declaring(20_000, 20_000))


def test_image_past_pillows_warning_size_is_refused() -> None:
    # 100 million pixels: Pillow warns (an error under pytest) rather than refusing outright.
    with pytest.raises(ImageRefused, match="too many pixels"):
        check_image(png_declaring(10_000, 10_000))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_bomb_is_refused_where_warnings_are_only_printed() -> None:
    with pytest.raises(ImageRefused, match="10000 × 10000 pixels"):
        check_image(png_declaring(10_000, 10_000))
