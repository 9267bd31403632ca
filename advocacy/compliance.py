"""Screen a caption before it is published: length, lexicon, personal data, disclosure, links.

Pure functions (no Flask, no database) so that every entry point calls the one `screen()`.
Matching runs on a normalised copy of the caption (NFKC per character cluster, casefolded for
the lexicon) whose characters map back to the caption, so fullwidth or decomposed text is
caught while every `Problem.excerpt` is still the caption's own text.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

LIMITS: dict[str, int] = {"x": 280, "linkedin": 3000}
URL_WEIGHT = 23  # X counts every URL as 23 characters
_NETWORK_NAMES = {"x": "X", "linkedin": "LinkedIn"}
_DISCLOSURE_SEPARATORS = {"x": " ", "linkedin": "\n\n"}


class Severity(StrEnum):
    BLOCKED = "blocked"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class Term:
    text: str  # a word or phrase, e.g. "internal only"
    severity: Severity
    category: str = ""  # e.g. "confidential marker", "profanity"


@dataclass(frozen=True)
class Rules:
    terms: tuple[Term, ...] = ()
    disclosure: str = "#employee"  # "" disables it
    approved_domains: tuple[str, ...] = ()  # hostnames; a subdomain of one is approved too


@dataclass(frozen=True)
class Problem:
    code: str  # too_long empty blocked_term flagged_term email phone card national_id link
    message: str  # a sentence for the employee that quotes the offending text
    excerpt: str  # the offending text exactly as in the caption ("" for too_long and empty)
    blocking: bool  # False (flagged terms only) sends the share to a marketer for approval


@dataclass(frozen=True)
class Screening:
    text: str  # the caption, stripped, with the disclosure appended when missing
    problems: tuple[Problem, ...]
    disclosure_added: bool

    @property
    def blocked(self) -> bool:
        return any(problem.blocking for problem in self.problems)

    @property
    def flagged(self) -> bool:
        return any(not problem.blocking for problem in self.problems)

    @property
    def blocking_problems(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.blocking)

    @property
    def flags(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if not problem.blocking)


# --- Normalisation: a copy to match against, and where each of its characters came from ----
_CLUSTER = re.compile("[\\s\\S][\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]*")
Spans = list[tuple[int, int]] | None  # per normalised character: its cluster; None: aligned


@functools.lru_cache(maxsize=4096)
def _fold(cluster: str) -> str:
    """NFKC and casefold; Turkish dotted and dotless i become plain i ("İNTERNAL")."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())
    return folded.replace("i\u0307", "i").replace("ı", "i")


def _normalise(text: str, fold: bool) -> tuple[str, Spans]:
    if unicodedata.is_normalized("NFKC", text):
        if not fold:
            return text, None
        folded = text.casefold()
        if len(folded) == len(text):
            return folded.replace("ı", "i"), None
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    for cluster in _CLUSTER.finditer(text):
        piece = _fold(cluster[0]) if fold else unicodedata.normalize("NFKC", cluster[0])
        pieces.append(piece)
        spans += [cluster.span()] * len(piece)
    return "".join(pieces), spans


def _original(start: int, end: int, spans: Spans) -> tuple[int, int]:
    return (start, end) if spans is None else (spans[start][0], spans[end - 1][1])


@functools.lru_cache(maxsize=4096)
def _key(phrase: str) -> str:
    """How a term, the disclosure or a match is compared: folded, whitespace runs as one."""
    return " ".join(_normalise(phrase, fold=True)[0].split())


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # exactly what \w matches


# --- Lexicon ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str] | None
    by_key: dict[str, Term]
    anchors: frozenset[str] | None  # the longest word of each term; None if one has no word


_WORD_RUN = re.compile(r"\w+")
_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if not _is_word(chr(c))})


def _trie_regex(node: dict) -> str:
    """Alternatives per next character, so the cost barely grows with the number of terms;
    an optional tail makes the longest term win and backtracks to a shorter one."""
    branches = []
    for char, child in sorted(node.items()):
        if char:
            chain = [char]
            while len(child) == 1 and "" not in child:
                ((char, child),) = child.items()
                chain.append(char)
            literal = "".join(r"\s+" if c == " " else re.escape(c) for c in chain)
            branches.append(literal + _trie_regex(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


@functools.lru_cache(maxsize=16)
def _compile_lexicon(terms: tuple[Term, ...]) -> _Lexicon:
    """One regex for all terms; when two terms fold to the same text, a blocked one wins."""
    by_key: dict[str, Term] = {}
    for term in terms:
        key = _key(term.text)
        known = by_key.get(key)
        if key and (known is None or known.severity != Severity.BLOCKED):
            by_key[key] = term
    trie: dict = {}
    for key in by_key:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    pattern = rf"(?<!\w)(?:{_trie_regex(trie)})(?!\w)" if trie else None
    words = [_WORD_RUN.findall(key) for key in by_key]
    anchors = None if not all(words) else frozenset(max(w, key=len) for w in words)
    return _Lexicon(pattern and re.compile(pattern), by_key, anchors)


def _may_match(lexicon: _Lexicon, folded: str) -> bool:
    """A quick pass for ASCII text: each word of a term is a whole word of any text it
    matches, so a caption without any term's longest word cannot match."""
    if lexicon.anchors is None or not folded.isascii():
        return True
    return not lexicon.anchors.isdisjoint(folded.translate(_ASCII_NON_WORD).split())


_recent: tuple[tuple[Term, ...], _Lexicon] | None = None


def _lexicon(terms: tuple[Term, ...]) -> _Lexicon:
    """Hashing 1,000 terms costs more than screening a caption: reuse by identity first."""
    global _recent
    recent = _recent
    if recent is None or recent[0] is not terms:
        recent = _recent = (terms, _compile_lexicon(terms))
    return recent[1]


def _term_problems(
    text: str, folded: str, spans: Spans, terms: tuple[Term, ...]
) -> list[tuple[int, Problem]]:
    """One problem per distinct term, quoting its first occurrence as typed."""
    lexicon = _lexicon(terms)
    if lexicon.pattern is None or not _may_match(lexicon, folded):
        return []
    found: list[tuple[int, Problem]] = []
    seen: set[str] = set()
    for match in lexicon.pattern.finditer(folded):
        key = " ".join(match[0].split())
        if key in seen:
            continue
        seen.add(key)
        term = lexicon.by_key[key]
        start, end = _original(*match.span(), spans)
        excerpt, about = text[start:end], f" ({term.category})" if term.category else ""
        if term.severity == Severity.BLOCKED:
            message = f'Remove "{excerpt}": it is a blocked term{about}.'
            found.append((start, Problem("blocked_term", message, excerpt, True)))
        else:
            message = f'A marketer must approve "{excerpt}" before this is shared{about}.'
            found.append((start, Problem("flagged_term", message, excerpt, False)))
    return found


@functools.lru_cache(maxsize=64)
def _phrase_pattern(key: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(map(re.escape, key.split(" "))) + r"(?!\w)")


def _contains_phrase(folded: str, key: str) -> bool:
    """Whole-word search that starts with the phrase itself, so the regex engine skips fast."""
    matches = _phrase_pattern(key).finditer(folded)
    return any(not m.start() or not _is_word(folded[m.start() - 1]) for m in matches)


# --- Links --------------------------------------------------------------------------------
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


def _host(url: str) -> str:
    """The host a browser opens: after any userinfo ("a.com@evil.com"), before the port."""
    scheme = _SCHEME.match(url)
    authority = _AUTHORITY_END.split(url[scheme.end() :] if scheme else url, maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    host = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    return host.rstrip(".").lower().removeprefix("www.")


def _link_spans(text: str) -> list[tuple[int, int]]:
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
        if _host(url):
            spans.append((match.start(), match.start() + len(url)))
        pos = match.end()
    pos, scheme_urls = 0, list(spans)
    while dot := _DOT_LETTER.search(text, pos):
        inside = [end for start, end in scheme_urls if start <= dot.start() < end]
        if inside:
            pos = inside[0]
            continue
        start = dot.start()  # back to where this run of host characters begins
        while start > pos and (_is_word(text[start - 1]) or text[start - 1] in ".-"):
            start -= 1
        match = _BARE_URL.match(text, start)
        if match and _is_domain_ending(match[1]):
            spans.append((start, start + len(_trim_url(match[0]))))
        pos = match.end() if match else _HOST_RUN.match(text, dot.end()).end()
    return sorted(spans)


@functools.lru_cache(maxsize=64)
def _approved_hosts(domains: tuple[str, ...], link: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(host for host in map(_host, (*domains, link)) if host))


def _is_approved(host: str, approved: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in approved)


# --- Personal data ------------------------------------------------------------------------
_EMAIL_DOMAIN = re.compile(r"@(?:[\w-]++\.)+[^\W\d_]{2,24}(?![\w-])")
# Where a phone, card or ID number may be: ASCII digits (NFKC has folded fullwidth ones).
_NUMBER = re.compile(r"[0-9(+][0-9 ().+-]*+")
_DIGITS = re.compile(r"\d+")
_DIGIT_RUN = re.compile(r"(?<![\w+])\d++(?:[ -]\d++)*+(?!\w)")
_SSN = re.compile(r"(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-])")
_NINO = re.compile(
    r"(?<!\w)([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)",
    re.IGNORECASE,
)
_NINO_INVALID_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
_PHONE = re.compile(
    r"""(?<![\w+.])(?:
        \+\d++(?:[ .-]?\(\d{1,4}\)[ .-]?\d++)?(?:[ .-]\d++)*+        # +44 20 7946 0958
      | (?:1[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[ .-]?)\d{3}[ .-]\d{4}   # (555) 555-1234
      | \(0[1-9]\d*+\)[ ]?\d++(?:([ -])\d++(?:\1\d++)*+)?           # (020) 7946 0958
      | 0[1-9]\d*+([ -])\d++(?:\2\d++)*+                             # 020 7946 0958
    )(?!\w)""",
    re.VERBOSE,
)


def _email_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _EMAIL_DOMAIN.finditer(text) if "@" in text else ():
        start = match.start()
        while start and (_is_word(text[start - 1]) or text[start - 1] in ".%+-"):
            start -= 1
        if start < match.start():
            spans.append((start, match.end()))
    return spans


def _luhn_ok(digits: str) -> bool:
    doubled = (int(d) * 2 if i % 2 else int(d) for i, d in enumerate(reversed(digits)))
    return sum(value - 9 if value > 9 else value for value in doubled) % 10 == 0


def _cards(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """13-19 digits passing Luhn, as one block or in groups of 4-6 (the last may differ)."""
    found = []
    for run in _DIGIT_RUN.finditer(text, start, end):
        matches = list(_DIGITS.finditer(text, run.start(), run.end()))
        groups = [match[0] for match in matches]
        first = 0
        while first < len(groups):
            digits, longest = "", None
            for last in range(first, len(groups)):
                digits += groups[last]
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and _luhn_ok(digits):
                    longest = last
                if not 4 <= len(groups[last]) <= 6:
                    break
            if longest is not None:
                found.append((matches[first].start(), matches[longest].end(), "card"))
            first = first + 1 if longest is None else longest + 1
    return found


def _national_ids(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    found = []
    for match in _SSN.finditer(text, start, end):
        area, group, serial = int(match[1]), int(match[3]), int(match[4])
        if area not in (0, 666) and area < 900 and group and serial:
            found.append((*match.span(), "ssn"))
    for match in _NINO.finditer(text, start, end):
        if match[1].upper() not in _NINO_INVALID_PREFIXES:
            found.append((*match.span(), "nino"))
    return found


def _phones(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """9-15 digits; numbers written one after another ("+44 20 7946 0958 2025") are cut
    where a group would exceed 15 digits, and the rest is looked at again."""
    found = []
    while match := _PHONE.search(text, start, end):
        total, start = 0, match.end()
        for group in _DIGITS.finditer(text, match.start(), match.end()):
            if total and total + len(group[0]) > 15:
                break
            total, start = total + len(group[0]), group.end()
        if 9 <= total <= 15:
            found.append((match.start(), start, "phone"))
        start = max(start, match.start() + 1)
    return found


def _number_spans(text: str) -> list[tuple[int, int, str]]:
    """Cards, national IDs and phones, looked for only around runs of digits."""
    if not any(digit in text for digit in "0123456789"):
        return []
    found: dict[tuple[int, int], str] = {}
    for number in _NUMBER.finditer(text):
        if sum(map(str.isdigit, number[0])) >= 6:  # the fewest any of them has
            window = (text, max(0, number.start() - 3), number.end() + 3)
            for finder in (_cards, _national_ids, _phones):
                found.update(
                    {(s, e): kind for s, e, kind in finder(*window) if (s, e) not in found}
                )
    return [(s, e, kind) for (s, e), kind in found.items()]


# --- Screening ----------------------------------------------------------------------------
_KINDS = {  # code, words for the message; a span already reported is not reported again
    "link": ("link", "link"),
    "email": ("email", "email address"),
    "card": ("card", "payment card number"),
    "ssn": ("national_id", "Social Security number"),
    "nino": ("national_id", "National Insurance number"),
    "phone": ("phone", "phone number"),
}
_RANK = {kind: rank for rank, kind in enumerate(_KINDS)}


def _data_and_link_problems(
    text: str, scan: str, spans: Spans, links: list[tuple[int, int]], approved: tuple[str, ...]
) -> list[tuple[int, Problem]]:
    candidates = [(s, e, "link") for s, e in links] + [
        (s, e, "email") for s, e in _email_spans(scan)
    ]
    candidates += _number_spans(scan)
    candidates.sort(key=lambda candidate: (_RANK[candidate[2]], candidate[0]))
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Problem]] = []
    for start, end, kind in candidates:
        if any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        if kind == "link" and _is_approved(_host(scan[start:end]), approved):
            continue
        first, last = _original(start, end, spans)
        excerpt = text[first:last]
        code, noun = _KINDS[kind]
        if kind == "link":
            sites = f"approved sites ({', '.join(approved)})" if approved else "approved sites"
            reason = f"links may only point to {sites}."
        else:
            reason = "posts must not contain personal data."
        found.append(
            (first, Problem(code, f'Remove the {noun} "{excerpt}": {reason}', excerpt, True))
        )
    return found


def _limit(network: str) -> int:
    if network not in LIMITS:
        raise ValueError(f"unknown network {network!r}; expected one of {sorted(LIMITS)}")
    return LIMITS[network]


# Code points X counts once (twitter-text v3); every other one counts twice.
_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


def _x_length(text: str, links: list[tuple[int, int]]) -> int:
    if not links and text.isascii():
        return len(text)
    edges = [0, *(edge for link in links for edge in link), len(text)]
    outside = "".join(text[edges[i] : edges[i + 1]] for i in range(0, len(edges), 2))
    heavy = 0 if outside.isascii() else len(_HEAVY.findall(outside))
    return len(outside) + heavy + URL_WEIGHT * len(links)


def weighted_length(text: str, network: str) -> int:
    """Length as the network counts it: X counts CJK and emoji twice and any URL as 23 (on
    the NFC text, like twitter-text); LinkedIn counts code points."""
    _limit(network)
    if network != "x":
        return len(text)
    text = unicodedata.normalize("NFC", text)
    return _x_length(text, _link_spans(text))


def screen(text: str, network: str, rules: Rules, link: str | None = None) -> Screening:
    """Check a caption against every publishing rule, in one place for every entry point.

    `link` is the tracked link the publisher appends on X (its host is always approved).
    Problems come in the order they appear in the final text, after empty and too_long.
    """
    limit = _limit(network)
    caption = text.strip()
    final, added = caption, False
    folded, fold_spans = _normalise(caption, fold=True)
    disclosure = rules.disclosure.strip()
    if disclosure and not _contains_phrase(folded, _key(disclosure)):
        final = caption + (_DISCLOSURE_SEPARATORS[network] if caption else "") + disclosure
        added = True
        folded, fold_spans = _normalise(final, fold=True)

    found = _term_problems(final, folded, fold_spans, rules.terms)
    scan, spans = _normalise(final, fold=False)
    links = _link_spans(scan)
    approved = _approved_hosts(rules.approved_domains, link or "") if links else ()
    found += _data_and_link_problems(final, scan, spans, links, approved)
    found.sort(key=lambda item: item[0])

    problems = (
        [Problem("empty", "Write a caption before sharing.", "", True)] if not caption else []
    )
    if network == "x":
        length = _x_length(final, links) if spans is None else weighted_length(final, network)
        length += 1 + URL_WEIGHT if link and link not in final else 0
    else:
        length = len(final)
    if length > limit:
        name, over = _NETWORK_NAMES[network], length - limit
        message = f"The post is {length} characters on {name}; the limit is {limit}."
        problems.append(Problem("too_long", f"{message} Shorten it by {over}.", "", True))
    return Screening(final, tuple(problems + [problem for _, problem in found]), added)


@functools.cache
def starter_terms() -> tuple[Term, ...]:
    """The lexicon a new organisation starts from, read from starter_lexicon.csv."""
    with Path(__file__).with_name("starter_lexicon.csv").open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["term"].strip()]
    return tuple(
        Term(row["term"].strip(), Severity(row["severity"].strip()), row["category"].strip())
        for row in rows
    )
