"""fetch_preview and fetch_image: reading public pages, and never anything inside our network.

`responses` answers every request in place of the web, and a fake resolver stands in for DNS,
so no test opens a socket.
"""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator

import pytest
import requests
import responses
from PIL import Image

from advocacy.images import MAX_BYTES, ImageRefused
from advocacy.link_preview import (
    PRIVATE,
    Preview,
    PreviewFailed,
    fetch_image,
    fetch_preview,
    is_public_address,
    resolve_host,
)

HOSTS = {
    "example.com": ["93.184.215.14"],
    "www.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "news.example.org": ["151.101.1.69"],
    "cdn.example.net": ["151.101.65.69"],
    "intranet.example.com": ["10.0.0.5"],
    "half.example.com": ["93.184.215.14", "10.0.0.5"],
    "metadata.example.com": ["169.254.169.254"],
    "unlisted.example.com": [],
}
HTML = "text/html; charset=utf-8"


class FakeResolver:
    """DNS for the tests: the HOSTS table, remembering every host asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host not in HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return HOSTS[host]


class StreamedBody(io.RawIOBase):
    """A response body that starts with `start`, then pads (forever unless `total` is set)."""

    def __init__(self, start: bytes, *, total: int | None = None, step: int | None = None):
        self.start, self.total, self.step = start, total, step
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        size = len(buffer) if self.step is None else min(self.step, len(buffer))
        if self.total is not None:
            size = min(size, self.total - self.sent)
        chunk = (self.start[self.sent : self.sent + size]).ljust(size, b" ")
        buffer[:size] = chunk
        self.sent += size
        return size


class FailingBody(io.RawIOBase):
    def __init__(self, error: Exception) -> None:
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        raise self.error


class TrickleBody(StreamedBody):
    """One byte at a time, each after a pause: a server stalling without ever timing out."""

    def readinto(self, buffer) -> int:  # type: ignore[override]
        time.sleep(0.01)
        return super().readinto(buffer)


@pytest.fixture
def resolve() -> FakeResolver:
    return FakeResolver()


@pytest.fixture
def web() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def page(head: str, body: str = "<p>Hello</p>") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color=(200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_reads_open_graph_tags(web: responses.RequestsMock, resolve: FakeResolver) -> None:
    web.get(
        "https://example.com/post",
        content_type=HTML,
        body=page(
            "<title>Fallback title</title>"
            '<meta property="og:title" content="Chorus launches">'
            '<meta property="og:description" content="Employees share, safely.">'
            '<meta property="og:image" content="https://cdn.example.net/launch.png">'
            '<meta property="og:site_name" content="Chorus Blog">'
            '<meta name="description" content="Plain description">'
        ),
    )

    preview = fetch_preview("https://example.com/post", resolve=resolve)

    assert preview == Preview(
        url="https://example.com/post",
        title="Chorus launches",
        description="Employees share, safely.",
        image_url="https://cdn.example.net/launch.png",
        site_name="Chorus Blog",
    )
    assert resolve.asked == ["example.com"]
    sent = web.calls[0].request
    assert sent.headers["Accept-Encoding"] == "identity"
    assert "text/html" in sent.headers["Accept"]


def test_falls_back_to_title_and_meta_description(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get(
        "https://example.com/",
        content_type=HTML,
        body=page(
            '<title>\n  Plain   title\n</title><meta name="Description" content="Plain text.">'
        ),
    )

    preview = fetch_preview("https://example.com/", resolve=resolve)

    assert (preview.title, preview.description) == ("Plain title", "Plain text.")
    assert (preview.image_url, preview.site_name) == (None, None)


def test_twitter_tags_fill_in_what_open_graph_lacks(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get(
        "https://example.com/",
        content_type=HTML,
        body=page(
            "<title>Plain title</title>"
            '<meta name="description" content="Plain text.">'
            '<meta name="twitter:title" content="Card title">'
            '<meta name="twitter:description" content="Card text.">'
            '<meta name="twitter:image" content="/card.jpg">'
        ),
    )

    preview = fetch_preview("https://example.com/", resolve=resolve)

    assert preview.title == "Card title"
    assert preview.description == "Card text."
    assert preview.image_url == "https://example.com/card.jpg"


def test_secure_image_url_is_preferred(web: responses.RequestsMock, resolve: FakeResolver) -> None:
    web.get(
        "https://example.com/",
        content_type=HTML,
        body=page(
            '<meta property="og:image" content="http://cdn.example.net/a.png">'
            '<meta property="og:image:secure_url" content="https://cdn.example.net/a.png">'
        ),
    )

    preview = fetch_preview("https://example.com/", resolve=resolve)

    assert preview.image_url == "https://cdn.example.net/a.png"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("../img/a.png", "https://example.com/img/a.png"),
        ("/a.png?v=2", "https://example.com/a.png?v=2"),
        ("//cdn.example.net/a.png", "https://cdn.example.net/a.png"),
        ("  b.png  ", "https://example.com/blog/b.png"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,iVBORw0KGgo=", None),
    ],
)
def test_image_url_is_made_absolute_against_the_page(
    web: responses.RequestsMock, resolve: FakeResolver, image: str, expected: str | None
) -> None:
    web.get(
        "https://example.com/blog/post",
        content_type=HTML,
        body=page(f'<meta property="og:image" content="{image}">'),
    )

    assert fetch_preview("https://example.com/blog/post", resolve=resolve).image_url == expected


def test_entities_are_unescaped(web: responses.RequestsMock, resolve: FakeResolver) -> None:
    web.get(
        "https://example.com/",
        content_type=HTML,
        body=page(
            "<title>Tom &amp; Jerry</title>"
            '<meta property="og:description" content="L&#39;&eacute;t&eacute; &lt;2025&gt;">'
            '<meta property="og:site_name" content="A&amp;B &#x2014; News">'
        ),
    )

    preview = fetch_preview("https://example.com/", resolve=resolve)

    assert preview.title == "Tom & Jerry"
    assert preview.description == "L'été <2025>"
    assert preview.site_name == "A&B — News"


def test_page_without_tags_gives_nothing(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get(
        "https://example.com/bare",
        content_type=HTML,
        body=page('<meta property="og:title" content="   "><title></title>'),
    )

    assert fetch_preview("https://example.com/bare", resolve=resolve) == Preview(
        url="https://example.com/bare",
        title=None,
        description=None,
        image_url=None,
        site_name=None,
    )


@pytest.mark.parametrize("junk", ["<!--" * 250_000, "<![" * 1000, "<!" * 500_000, "</" * 500_000])
def test_hostile_markup_is_read_quickly_and_keeps_what_came_before(
    web: responses.RequestsMock, resolve: FakeResolver, junk: str
) -> None:
    web.get("https://example.com/", content_type=HTML, body=page("<title>Before</title>" + junk))
    started = time.monotonic()

    preview = fetch_preview("https://example.com/", resolve=resolve)

    assert preview.title == "Before"
    assert time.monotonic() - started < 5


def test_long_texts_are_cut(web: responses.RequestsMock, resolve: FakeResolver) -> None:
    web.get(
        "https://example.com/",
        content_type=HTML,
        body=page(
            f'<meta property="og:title" content="{"T" * 500}">'
            f'<meta property="og:description" content="{"word " * 400}">'
        ),
    )

    preview = fetch_preview("https://example.com/", resolve=resolve)

    assert preview.title == "T" * 299 + "…"
    assert preview.description is not None
    assert len(preview.description) <= 1000
    assert preview.description.endswith("word…")


@pytest.mark.parametrize(
    "content_type", ["text/html", "TEXT/HTML; charset=UTF-8", "application/xhtml+xml"]
)
def test_html_content_types_are_read(
    web: responses.RequestsMock, resolve: FakeResolver, content_type: str
) -> None:
    web.get("https://example.com/", content_type=content_type, body=page("<title>Hi</title>"))

    assert fetch_preview("https://example.com/", resolve=resolve).title == "Hi"


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "text/plain", None])
def test_anything_but_html_is_refused(
    web: responses.RequestsMock, resolve: FakeResolver, content_type: str | None
) -> None:
    web.get("https://example.com/file", content_type=content_type, body=page("<title>x</title>"))

    with pytest.raises(PreviewFailed, match="does not lead to a web page"):
        fetch_preview("https://example.com/file", resolve=resolve)


@pytest.mark.parametrize(
    ("content_type", "body", "title"),
    [
        ("text/html; charset=iso-8859-1", "<title>Café</title>".encode("latin-1"), "Café"),
        ("text/html", b'<meta charset="windows-1252"><title>\x80 price</title>', "€ price"),
        (
            "text/html",
            b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            b"<title>Gr\xfc\xdfe</title>",
            "Grüße",
        ),
        ("text/html", "<title>Grüße</title>".encode(), "Grüße"),
        ("text/html", b"<title>bad \xff byte</title>", "bad \ufffd byte"),
        ("text/html; charset=x-nonsense", "<title>Grüße</title>".encode(), "Grüße"),
        ("text/html; charset=undefined", "<title>Grüße</title>".encode(), "Grüße"),
        ("text/html", '<meta charset="utf-16"><title>Grüße</title>'.encode(), "Grüße"),
    ],
)
def test_text_is_decoded_in_the_declared_charset_else_utf8(
    web: responses.RequestsMock, resolve: FakeResolver, content_type: str, body: bytes, title: str
) -> None:
    web.get("https://example.com/", content_type=content_type, body=body)

    assert fetch_preview("https://example.com/", resolve=resolve).title == title


def test_huge_page_is_read_only_up_to_max_bytes(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    endless = StreamedBody(page("<title>Big page</title>").encode())
    web.get("https://example.com/huge", content_type=HTML, body=io.BufferedReader(endless))

    preview = fetch_preview("https://example.com/huge", resolve=resolve, max_bytes=200_000)

    assert preview.title == "Big page"
    assert endless.sent <= 200_000 + io.DEFAULT_BUFFER_SIZE


def test_trickling_page_is_cut_off_at_the_timeout(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    trickle = TrickleBody(page("<title>Slow</title>").encode(), total=300, step=1)
    web.get("https://example.com/slow", content_type=HTML, body=io.BufferedReader(trickle))

    with pytest.raises(PreviewFailed, match="did not answer within 0.05 seconds"):
        fetch_preview("https://example.com/slow", resolve=resolve, timeout=0.05)
    assert trickle.sent < 100


def test_redirects_are_followed_and_every_hop_checked(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get("http://example.com/old", status=301, headers={"Location": "https://example.com/new"})
    web.get("https://example.com/new", status=302, headers={"Location": "/newer"})
    web.get(
        "https://example.com/newer",
        status=307,
        headers={"Location": "https://news.example.org/story?id=7"},
    )
    web.get(
        "https://news.example.org/story?id=7",
        content_type=HTML,
        body=page('<meta property="og:image" content="img/a.png"><title>Story</title>'),
    )

    preview = fetch_preview("http://example.com/old", resolve=resolve)

    assert preview.url == "https://news.example.org/story?id=7"
    assert preview.title == "Story"
    assert preview.image_url == "https://news.example.org/img/a.png"
    assert resolve.asked == ["example.com", "example.com", "example.com", "news.example.org"]
    assert len(web.calls) == 4


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:80/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://intranet.example.com/",
        "http://half.example.com/",
        "http://metadata.example.com/",
    ],
)
def test_redirect_into_the_private_network_is_refused(
    web: responses.RequestsMock, resolve: FakeResolver, target: str
) -> None:
    web.get("https://example.com/go", status=302, headers={"Location": target})
    web.get(target, content_type=HTML, body=page("<title>Secret</title>"))

    with pytest.raises(PreviewFailed) as failed:
        fetch_preview("https://example.com/go", resolve=resolve)

    assert str(failed.value) == PRIVATE
    assert [call.request.url for call in web.calls] == ["https://example.com/go"]


def test_redirect_loop_is_refused(web: responses.RequestsMock, resolve: FakeResolver) -> None:
    web.get("https://example.com/a", status=302, headers={"Location": "/b"})
    web.get("https://example.com/b", status=302, headers={"Location": "/a"})

    with pytest.raises(PreviewFailed, match="redirected more than 3 times"):
        fetch_preview("https://example.com/a", resolve=resolve)
    assert len(web.calls) == 4


@pytest.mark.parametrize(("hops", "allowed"), [(3, True), (4, False)])
def test_at_most_max_redirects_are_followed(
    web: responses.RequestsMock, resolve: FakeResolver, hops: int, allowed: bool
) -> None:
    for hop in range(hops):
        web.get(f"https://example.com/{hop}", status=301, headers={"Location": f"/{hop + 1}"})
    web.get(f"https://example.com/{hops}", content_type=HTML, body=page("<title>End</title>"))

    if allowed:
        assert fetch_preview("https://example.com/0", resolve=resolve).title == "End"
    else:
        with pytest.raises(PreviewFailed, match="redirected more than 3 times"):
            fetch_preview("https://example.com/0", resolve=resolve)


def test_no_redirect_at_all_when_max_is_zero(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get("https://example.com/a", status=302, headers={"Location": "/b"})

    with pytest.raises(PreviewFailed, match="redirected more than 0 times"):
        fetch_preview("https://example.com/a", resolve=resolve, max_redirects=0)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://user:secret@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("https://example.com@127.0.0.1/", "user name or password"),
        ("ftp://example.com/file.txt", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("gopher://example.com/", "Only http and https"),
        ("javascript:alert(1)", "Only http and https"),
        ("example.com/page", "starting with https://"),
        ("http://example.com:8080/", "standard web ports"),
        ("https://example.com:22/", "standard web ports"),
        ("http://example.com:6379/", "standard web ports"),
        ("http://example.com:99999/", "not a valid web address"),
        ("http://:80/", "not a valid web address"),
        ("https://" + "a" * 2100 + ".com/", "too long"),
        ("https://no-such-host.example/", "could not find the site no-such-host.example"),
        ("https://unlisted.example.com/", "could not find the site unlisted.example.com"),
        ("http://127.0.0.1/", PRIVATE),
        ("http://127.1.2.3/", PRIVATE),
        ("http://[::1]/", PRIVATE),
        ("http://[::ffff:127.0.0.1]/", PRIVATE),
        ("http://[::ffff:7f00:1]/", PRIVATE),
        ("http://169.254.169.254/latest/meta-data/", PRIVATE),
        ("http://0.0.0.0/", PRIVATE),
        ("http://10.1.2.3/", PRIVATE),
        ("http://[fe80::1%25eth0]/", PRIVATE),
        ("https://intranet.example.com/", PRIVATE),
        ("https://half.example.com/", PRIVATE),
    ],
)
def test_unsafe_addresses_are_refused_before_any_request(
    web: responses.RequestsMock, resolve: FakeResolver, url: str, reason: str
) -> None:
    with pytest.raises(PreviewFailed) as failed:
        fetch_preview(url, resolve=resolve)

    assert reason in str(failed.value)
    assert len(web.calls) == 0


def test_real_resolver_refuses_localhost(web: responses.RequestsMock) -> None:
    with pytest.raises(PreviewFailed, match="private network"):
        fetch_preview("http://localhost/")
    assert len(web.calls) == 0


def test_standard_ports_and_ipv6_hosts_are_allowed(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get("http://example.com:80/", content_type=HTML, body=page("<title>80</title>"))
    web.get("https://www.example.com:443/", content_type=HTML, body=page("<title>443</title>"))

    assert fetch_preview("http://example.com:80/", resolve=resolve).title == "80"
    assert fetch_preview("https://www.example.com:443/", resolve=resolve).title == "443"


@pytest.mark.parametrize("status", [404, 410, 500, 503, 304])
def test_error_status_gives_a_reason(
    web: responses.RequestsMock, resolve: FakeResolver, status: int
) -> None:
    web.get("https://example.com/gone", status=status, content_type=HTML, body="<h1>No</h1>")

    with pytest.raises(PreviewFailed, match=f"^The page answered {status}.$"):
        fetch_preview("https://example.com/gone", resolve=resolve)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (requests.exceptions.ConnectTimeout(), "The page did not answer within 5 seconds."),
        (requests.exceptions.ReadTimeout(), "The page did not answer within 5 seconds."),
        (requests.exceptions.SSLError(), "could not be verified"),
        (requests.exceptions.ConnectionError(), "could not connect"),
        (requests.exceptions.ChunkedEncodingError(), "could not be read"),
    ],
)
def test_network_errors_give_a_short_reason(
    web: responses.RequestsMock, resolve: FakeResolver, error: Exception, reason: str
) -> None:
    web.get("https://example.com/", body=error)

    with pytest.raises(PreviewFailed, match=reason):
        fetch_preview("https://example.com/", resolve=resolve)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (TimeoutError("timed out"), "did not answer within 2.5 seconds"),
        (ConnectionResetError("reset"), "broke off the connection"),
    ],
)
def test_failure_while_reading_the_body_gives_a_reason(
    web: responses.RequestsMock, resolve: FakeResolver, error: Exception, reason: str
) -> None:
    body = io.BufferedReader(FailingBody(error))
    web.get("https://example.com/", content_type=HTML, body=body)

    with pytest.raises(PreviewFailed, match=reason):
        fetch_preview("https://example.com/", resolve=resolve, timeout=2.5)


def test_callers_session_is_used_and_left_open(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get("https://example.com/", content_type=HTML, body=page("<title>Hi</title>"))
    session = requests.Session()
    session.headers["X-Request-Id"] = "abc"

    fetch_preview("https://example.com/", session=session, resolve=resolve)
    fetch_preview("https://example.com/", session=session, resolve=resolve)

    assert [call.request.headers["X-Request-Id"] for call in web.calls] == ["abc", "abc"]
    session.close()


def test_fetch_image_accepts_png(web: responses.RequestsMock, resolve: FakeResolver) -> None:
    data = png_bytes()
    web.get("https://cdn.example.net/logo.jpg", content_type="image/png", body=data)

    checked = fetch_image("https://cdn.example.net/logo.jpg", resolve=resolve)

    assert (checked.data, checked.extension, checked.width, checked.height) == (data, "png", 40, 30)
    assert web.calls[0].request.headers["Accept"].startswith("image/")


def test_fetch_image_refuses_svg(web: responses.RequestsMock, resolve: FakeResolver) -> None:
    web.get(
        "https://cdn.example.net/logo.svg",
        content_type="image/svg+xml",
        body='<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    )

    with pytest.raises(ImageRefused, match="SVG"):
        fetch_image("https://cdn.example.net/logo.svg", resolve=resolve)


def test_fetch_image_follows_redirects_under_the_same_rules(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get("https://cdn.example.net/a.png", status=302, headers={"Location": "http://10.0.0.5/"})

    with pytest.raises(PreviewFailed, match="private network"):
        fetch_image("https://cdn.example.net/a.png", resolve=resolve)


def test_fetch_image_refuses_a_declared_size_over_the_limit(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    body = StreamedBody(png_bytes(), total=MAX_BYTES + 1)
    web.get(
        "https://cdn.example.net/big.png",
        content_type="image/png",
        headers={"Content-Length": str(MAX_BYTES + 1)},
        body=io.BufferedReader(body),
    )

    with pytest.raises(ImageRefused, match="larger than the 5 MB limit"):
        fetch_image("https://cdn.example.net/big.png", resolve=resolve)
    assert body.sent == 0


def test_fetch_image_stops_reading_past_the_limit(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    endless = StreamedBody(png_bytes())
    web.get(
        "https://cdn.example.net/big.png", content_type="image/png", body=io.BufferedReader(endless)
    )

    with pytest.raises(ImageRefused, match="larger than the 5 MB limit"):
        fetch_image("https://cdn.example.net/big.png", resolve=resolve)
    assert endless.sent <= MAX_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


def test_fetch_image_reports_a_missing_image(
    web: responses.RequestsMock, resolve: FakeResolver
) -> None:
    web.get("https://cdn.example.net/gone.png", status=404)

    with pytest.raises(PreviewFailed, match="answered 404"):
        fetch_image("https://cdn.example.net/gone.png", resolve=resolve)


def test_resolve_host_lists_each_address_once() -> None:
    assert resolve_host("127.0.0.1") == ["127.0.0.1"]
    assert resolve_host("::1") == ["::1"]
    assert resolve_host("localhost") == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("93.184.215.14", True),
        ("8.8.8.8", True),
        ("100.63.255.255", True),
        ("100.128.0.1", True),
        ("172.15.255.255", True),
        ("172.32.0.1", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("2002:5db8:d70e::1", True),  # 6to4 of a public address
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("10.0.0.5", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("0.0.0.0", False),
        ("0.1.2.3", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),
        ("198.18.0.1", False),
        ("::1", False),
        ("::", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("::127.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:5", False),  # NAT64 of 10.0.0.5
        ("fe80::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("fd12:3456::1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("ff0e::1", False),
        ("2001:db8::1", False),
        ("", False),
        ("localhost", False),
        ("2130706433", False),
        ("not an address", False),
    ],
)
def test_is_public_address(ip: str, public: bool) -> None:
    assert is_public_address(ip) is public
