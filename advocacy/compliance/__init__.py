"""Screen a caption before it is published: length, lexicon, personal data, disclosure, links.

Pure functions (no Flask, no database) so that every entry point calls the one `screen()`.
Matching runs on a normalised copy of the caption (see `normalise`) whose characters map
back to the caption, so fullwidth or decomposed text is caught while every `Problem.excerpt`
is still the caption's own text. The finders live in `lexicon`, `links` and `personal_data`;
this module turns what they find into the problems an employee reads.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from advocacy.compliance.lexicon import find_terms
from advocacy.compliance.links import approved_hosts, is_approved, link_host, link_spans
from advocacy.compliance.normalise import (
    Spans,
    contains_phrase,
    key,
    normalise_appended,
    normalise_appended_nfkc,
    normalise_both,
    original,
)
from advocacy.compliance.personal_data import email_spans, number_spans
from advocacy.compliance.rules import Rules, Severity, Term

__all__ = [
    "LIMITS",
    "URL_WEIGHT",
    "Problem",
    "Rules",
    "Screening",
    "Severity",
    "Term",
    "screen",
    "starter_terms",
    "weighted_length",
]

LIMITS: dict[str, int] = {"x": 280, "linkedin": 3000}
URL_WEIGHT = 23  # X counts every URL as 23 characters
_NETWORK_NAMES = {"x": "X", "linkedin": "LinkedIn"}
_DISCLOSURE_SEPARATORS = {"x": " ", "linkedin": "\n\n"}


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


def _term_problems(
    text: str, folded: str, spans: Spans, terms: tuple[Term, ...]
) -> list[tuple[int, Problem]]:
    """One problem per distinct term, quoting its first occurrence as typed."""
    found: list[tuple[int, Problem]] = []
    for match_start, match_end, term in find_terms(folded, terms):
        start, end = original(match_start, match_end, spans)
        excerpt, about = text[start:end], f" ({term.category})" if term.category else ""
        if term.severity == Severity.BLOCKED:
            message = f'Remove "{excerpt}": it is a blocked term{about}.'
            found.append((start, Problem("blocked_term", message, excerpt, True)))
        else:
            message = f'A marketer must approve "{excerpt}" before this is shared{about}.'
            found.append((start, Problem("flagged_term", message, excerpt, False)))
    return found


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
        (s, e, "email") for s, e in email_spans(scan)
    ]
    candidates += number_spans(scan)
    if not candidates:
        return []
    candidates.sort(key=lambda candidate: (_RANK[candidate[2]], candidate[0]))
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Problem]] = []
    for start, end, kind in candidates:
        if any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        if kind == "link" and is_approved(link_host(scan[start:end]), approved):
            continue
        first, last = original(start, end, spans)
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
    if not links:
        return len(text) if text.isascii() else len(text) + len(_HEAVY.findall(text))
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
    return _x_length(text, link_spans(text))


def screen(text: str, network: str, rules: Rules, link: str | None = None) -> Screening:
    """Check a caption against every publishing rule, in one place for every entry point.

    `link` is the tracked link the publisher appends on X (its host is always approved).
    Problems come in the order they appear in the final text, after empty and too_long.
    """
    limit = _limit(network)
    caption = text.strip()
    final, added = caption, False
    (scan, spans), (folded, fold_spans) = normalise_both(caption)
    disclosure = rules.disclosure.strip()
    if disclosure and not contains_phrase(folded, key(disclosure)):
        tail = (_DISCLOSURE_SEPARATORS[network] if caption else "") + disclosure
        final, added = caption + tail, True
        folded, fold_spans = normalise_appended(caption, folded, fold_spans, tail, fold=True)
        scan, spans = normalise_appended_nfkc(caption, spans, tail)

    found = _term_problems(final, folded, fold_spans, rules.terms)
    links = link_spans(scan)
    approved = approved_hosts(rules.approved_domains, link or "") if links else ()
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
    path = Path(__file__).parent.with_name("starter_lexicon.csv")  # a migration reads it there
    with path.open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["term"].strip()]
    return tuple(
        Term(row["term"].strip(), Severity(row["severity"].strip()), row["category"].strip())
        for row in rows
    )
