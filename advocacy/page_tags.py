"""What a web page says about itself in its markup: its <meta> tags and first <title>.

Pure parsing of a body already read (no network): `link_preview` does the safe fetching
and turns these tags into a Preview.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def decode_page(body: bytes, charset: str | None) -> str:
    """Text in the declared charset (header, then <meta>), else UTF-8; bad bytes replaced."""
    if not charset and (found := _META_CHARSET.search(body[:4096])):
        charset = found.group(1).decode("ascii")
        if charset.lower().startswith(("utf-16", "utf-32")):
            charset = "utf-8"  # a <meta> readable as ASCII cannot be UTF-16 (HTML standard)
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except (LookupError, UnicodeError):  # unknown names, and codecs such as "undefined"
        return body.decode("utf-8", errors="replace")


class TagParser(HTMLParser):
    """Collects <meta property|name=... content=...> (the first of each) and the first <title>.

    HTMLParser unescapes entities in attribute values and, with convert_charrefs, in text.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self._title_parts: list[str] | None = None

    def read(self, text: str) -> None:
        """Parse the page without close(): on older Pythons close() rescans unclosed markup
        (say `<!--` repeated) in quadratic time, and what it would still report is only the
        text after it, never a tag."""
        try:
            self.feed(text)
        except AssertionError:  # raised by _markupbase on bad declarations such as `<![`
            pass

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {name: value for name, value in attrs if value is not None}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content", "")
            if key and content.strip():
                self.meta.setdefault(key, content)
        elif tag == "title" and self.title is None:
            self._title_parts = []

    def handle_data(self, data: str) -> None:
        if self._title_parts is not None:
            self._title_parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._title_parts is not None:
            self.title = "".join(self._title_parts)
            self._title_parts = None
