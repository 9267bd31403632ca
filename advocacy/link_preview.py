"""Reading a page's Open Graph preview without letting a URL reach inside our network.

A pure library (no Flask, no database) for the content service and a background task.
Server-side request forgery defence: only http(s) on the standard ports, no user name in
the URL, every address the host resolves to must be public, redirects are followed by hand
and each hop is checked again, and bodies are streamed and capped.

DNS rebinding: the host is resolved and checked just before each request, but requests then
resolves it again to connect, so a hostile DNS server that answers a public address to the
check and a private one a moment later can slip through. Pinning the connection to the
checked address (with the right Host header, SNI and certificate check) needs a custom
transport adapter and is left out; where that matters, also refuse private ranges at the
network edge (an egress proxy or firewall).
"""

from __future__ import annotations

import ipaddress
import posixpath
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError, SSLError

from advocacy import images
from advocacy.images import CheckedImage, ImageRefused
from advocacy.page_tags import TagParser, decode_page

PRIVATE = "This address points inside a private network; Chorus only reads public pages."
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TITLE_LIMIT, DESCRIPTION_LIMIT, SITE_NAME_LIMIT, URL_LIMIT = 300, 1000, 300, 2048

_PORTS = (None, 80, 443)
_CHUNK = 64 * 1024
_PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_IMAGE_ACCEPT = "image/webp,image/png,image/jpeg,image/gif;q=0.9"
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IMAGE_KEYS = (
    "og:image:secure_url",
    "og:image",
    "og:image:url",
    "twitter:image",
    "twitter:image:src",
)


class PreviewFailed(Exception):
    """The page could not be read; the message is a clear reason, safe to show."""


@dataclass(frozen=True)
class Preview:
    """What a page says about itself; any field it does not give is None."""

    url: str  # the final URL that was read
    title: str | None
    description: str | None
    image_url: str | None  # absolute URL, not fetched yet: pass it to fetch_image
    site_name: str | None


def resolve_host(host: str) -> list[str]:
    """Every address the system resolver gives for `host` (raises OSError if none)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(ip: str) -> bool:
    """True only for a globally routable unicast address; anything unparsable is not public.

    IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64) are judged by that address.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
        if address in _IPV4_COMPATIBLE or address.is_site_local:
            return False
    elif address in _CGNAT:
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def fetch_preview(
    url: str,
    *,
    session: requests.Session | None = None,
    resolve: Callable[[str], list[str]] = resolve_host,
    timeout: float = 5.0,
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
) -> Preview:
    """Read the page at `url` and its Open Graph tags (with <title> and the like as fallback).

    Connecting and each read wait at most `timeout` seconds, and so does the whole body;
    only the first `max_bytes` are read. Raises PreviewFailed.
    """
    with _session_for(session) as http:
        response, final_url = _follow(url, http, resolve, timeout, max_redirects, _PAGE_ACCEPT)
        with response:
            content_type = _content_type(response)
            if content_type.get_content_type() not in HTML_TYPES:
                raise PreviewFailed("The address does not lead to a web page.")
            body = _read(response, max_bytes, timeout)
    parser = TagParser()
    parser.read(decode_page(body, content_type.get_param("charset")))
    return _preview(final_url, parser)


def fetch_image(
    url: str,
    *,
    session: requests.Session | None = None,
    resolve: Callable[[str], list[str]] = resolve_host,
    timeout: float = 5.0,
    max_redirects: int = 3,
) -> CheckedImage:
    """Download an image (say a preview's image_url) under the same rules as a page.

    Raises PreviewFailed when it cannot be downloaded and ImageRefused when it is not an
    image Chorus accepts (checked by `images.check_image`, whatever the server claims).
    """
    too_big = f"The image is larger than the {images.MAX_BYTES // (1024 * 1024)} MB limit."
    with _session_for(session) as http:
        response, final_url = _follow(url, http, resolve, timeout, max_redirects, _IMAGE_ACCEPT)
        with response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > images.MAX_BYTES:
                raise ImageRefused(too_big)
            data = _read(response, images.MAX_BYTES + 1, timeout)
    if len(data) > images.MAX_BYTES:
        raise ImageRefused(too_big)
    return images.check_image(data, posixpath.basename(urlsplit(final_url).path))


@contextmanager
def _session_for(session: requests.Session | None) -> Iterator[requests.Session]:
    if session is not None:
        yield session
        return
    with requests.Session() as own:
        yield own


def _follow(
    url: str,
    http: requests.Session,
    resolve: Callable[[str], list[str]],
    timeout: float,
    max_redirects: int,
    accept: str,
) -> tuple[requests.Response, str]:
    """The first answer that is not a redirect, checking the address before every request."""
    for _ in range(max_redirects + 1):
        url = _checked_url(url, resolve)
        try:
            response = http.get(
                url,
                headers={
                    "Accept": accept,
                    "Accept-Encoding": "identity",
                    "User-Agent": "ChorusLinkPreview/1.0",
                },
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as error:
            raise PreviewFailed(_reason(error, timeout)) from error
        if not response.is_redirect:
            if not 200 <= response.status_code < 300:
                response.close()
                raise PreviewFailed(f"The page answered {response.status_code}.")
            return response, url
        url = urljoin(url, http.get_redirect_target(response))
        response.close()
    raise PreviewFailed(f"The page redirected more than {max_redirects} times.")


def _checked_url(url: str, resolve: Callable[[str], list[str]]) -> str:
    """The URL exactly as requests will send it, once every address of its host is public."""
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if not scheme:
        raise PreviewFailed("Please give the full address, starting with https://.")
    if scheme not in ("http", "https"):
        raise PreviewFailed("Only http and https addresses can be previewed.")
    if len(url) > URL_LIMIT:
        raise PreviewFailed("The address is too long.")
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)
        url = str(prepared.url)
        parts = urlsplit(url)
        port = parts.port
    except (requests.RequestException, ValueError) as error:
        raise PreviewFailed("This is not a valid web address.") from error
    if "@" in parts.netloc:
        raise PreviewFailed("Addresses with a user name or password are not accepted.")
    if port not in _PORTS:
        raise PreviewFailed("Chorus only reads pages on the standard web ports (80 and 443).")
    host = parts.hostname or ""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = resolve(host)
        except (OSError, UnicodeError) as error:
            raise PreviewFailed(f"Chorus could not find the site {host}.") from error
    if not addresses:
        raise PreviewFailed(f"Chorus could not find the site {host}.")
    if not all(is_public_address(address) for address in addresses):
        raise PreviewFailed(PRIVATE)
    return url


def _content_type(response: requests.Response) -> Message:
    """The Content-Type header parsed by the stdlib (a missing one reads as text/plain)."""
    header = Message()
    header["Content-Type"] = response.headers.get("Content-Type", "")
    return header


def _read(response: requests.Response, limit: int, timeout: float) -> bytes:
    """At most `limit` bytes of the body, and no more than `timeout` seconds spent on it.

    `read1` returns what has arrived after one socket read, so a server trickling a byte at
    a time still meets the deadline (iter_content would wait to fill each chunk).
    """
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    try:
        while size < limit and (chunk := response.raw.read1(min(_CHUNK, limit - size))):
            chunks.append(chunk)
            size += len(chunk)
            if time.monotonic() > deadline and size < limit:
                raise PreviewFailed(f"The page did not answer within {timeout:g} seconds.")
    except (requests.RequestException, HTTPError) as error:
        raise PreviewFailed(_reason(error, timeout)) from error
    return b"".join(chunks)


def _reason(error: Exception, timeout: float) -> str:
    if isinstance(error, requests.Timeout | ReadTimeoutError):
        return f"The page did not answer within {timeout:g} seconds."
    if isinstance(error, requests.exceptions.SSLError | SSLError):
        return "The page's secure connection (its HTTPS certificate) could not be verified."
    if isinstance(error, requests.ConnectionError):
        return "Chorus could not connect to the page."
    if isinstance(error, ProtocolError):
        return "The page broke off the connection."
    return "The page could not be read."


def _preview(page_url: str, parser: TagParser) -> Preview:
    meta = parser.meta

    def first(*keys: str) -> str | None:
        return next((meta[key] for key in keys if key in meta), None)

    return Preview(
        url=page_url,
        title=_clean(first("og:title", "twitter:title") or parser.title, TITLE_LIMIT),
        description=_clean(
            first("og:description", "twitter:description", "description"), DESCRIPTION_LIMIT
        ),
        image_url=_image_url(page_url, [meta[key] for key in _IMAGE_KEYS if key in meta]),
        site_name=_clean(first("og:site_name"), SITE_NAME_LIMIT),
    )


def _image_url(page_url: str, candidates: list[str]) -> str | None:
    """The first candidate that is an http(s) URL once resolved against the page."""
    for candidate in candidates:
        absolute = urljoin(page_url, candidate.strip())
        if urlsplit(absolute).scheme in ("http", "https") and len(absolute) <= URL_LIMIT:
            return absolute
    return None


def _clean(text: str | None, limit: int) -> str | None:
    """Whitespace collapsed; cut to `limit` characters with an ellipsis; blank is None."""
    text = " ".join((text or "").split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None
