"""Finding links in a caption the way a reader's app would, and whether a site is approved.

A URL with a scheme, or a bare domain with a dot ("www.a.com", "a.com/x"); sentences run
together and file names are not links. The host compared is the one a browser would open.
"""

from __future__ import annotations

import functools
import re

from advocacy.compliance.normalise import is_word

_URL_CHARS = r"[\w\-.~:/?#\[\]@!$&'()*+,;=%\\]"
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]{1,15}+://", re.IGNORECASE)
_SCHEME_URL = re.compile(rf"(?<![\w.@]){_SCHEME.pattern}{_URL_CHARS}+", re.IGNORECASE)
_BARE_URL = re.compile(
    rf"(?<![\w@.\-/:])(?:[\w-]++\.)++([^\W\d_]{{2,24}})(?![\w@%+-])(?:[/?#]{_URL_CHARS}*)?"
)
_DOT_LETTER = re.compile(r"\.[^\W\d_]")
_AUTHORITY_END = re.compile(r"[/?#\\]")  # browsers read a backslash as a slash
_HOST_RUN = re.compile(r"[\w.-]*")
# A two-letter ending is a domain only when it is a country code ("Node.js" is not).
_CCTLDS = frozenset(
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq "
    "br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm "
    "do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs "
    "gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn "
    "kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr "
    "ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn "
    "pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv "
    "sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi "
    "vn vu wf ws ye yt za zm zw".split()
)
_FILE_ENDINGS = frozenset(
    "bak cfg conf cpp css csv dll doc docx exe gif htm html ini jpeg jpg json jsx log pdf php "
    "png ppt pptx sql svg tar tmp tsx txt xls xlsx xml yaml yml".split()
)
_OPENERS = {")": "(", "]": "["}


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets after a URL."""
    while url and (
        url[-1] in ".,;:!?'*"
        or (url[-1] in _OPENERS and url.count(url[-1]) > url.count(_OPENERS[url[-1]]))
    ):
        url = url[:-1]
    return url


def _is_domain_ending(tld: str) -> bool:
    """A sentence run together ("done.Next") or a file name ("notes.txt") is not a link."""
    if tld != tld.lower() and tld != tld.upper():
        return False
    tld = tld.lower()
    return tld in _CCTLDS if len(tld) == 2 else tld not in _FILE_ENDINGS


@functools.lru_cache(maxsize=1024)  # asked twice per link: finding it, then approving it
def link_host(url: str) -> str:
    """The host a browser opens: after any userinfo ("a.com@evil.com"), before the port."""
    scheme = _SCHEME.match(url)
    authority = _AUTHORITY_END.split(url[scheme.end() :] if scheme else url, maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    host = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    return host.rstrip(".").lower().removeprefix("www.")


def link_spans(text: str) -> list[tuple[int, int]]:
    """Every URL: with a scheme, or a bare domain with a dot ("www.a.com", "a.com/x").

    Both are looked for only around a "://" or a dot before a letter, so that text without
    them costs a fast literal search rather than a regex attempt at every position."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (at := text.find("://", pos)) != -1:
        match = _SCHEME_URL.search(text, max(pos, at - 17))
        if match is None:
            break
        url = _trim_url(match[0])
        if link_host(url):
            spans.append((match.start(), match.start() + len(url)))
        pos = match.end()
    pos, scheme_urls = 0, list(spans)
    while dot := _DOT_LETTER.search(text, pos):
        inside = [end for start, end in scheme_urls if start <= dot.start() < end]
        if inside:
            pos = inside[0]
            continue
        start = dot.start()  # back to where this run of host characters begins
        while start > pos and (is_word(text[start - 1]) or text[start - 1] in ".-"):
            start -= 1
        match = _BARE_URL.match(text, start)
        if match and _is_domain_ending(match[1]):
            spans.append((start, start + len(_trim_url(match[0]))))
        pos = match.end() if match else _HOST_RUN.match(text, dot.end()).end()
    return sorted(spans)


@functools.lru_cache(maxsize=64)
def approved_hosts(domains: tuple[str, ...], link: str) -> tuple[str, ...]:
    """The approved domains and the tracked link's host, compared as hosts ("www." dropped)."""
    return tuple(dict.fromkeys(host for host in map(link_host, (*domains, link)) if host))


def is_approved(host: str, approved: tuple[str, ...]) -> bool:
    """A host is approved when it is an approved domain or a subdomain of one."""
    return host in approved or host.endswith(_subdomain_endings(approved))


@functools.lru_cache(maxsize=64)
def _subdomain_endings(approved: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("." + domain for domain in approved)
