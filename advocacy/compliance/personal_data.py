"""Finding personal data in a caption: email addresses, phone numbers, payment cards
(checked with Luhn) and national IDs (US Social Security, UK National Insurance numbers).

Numbers are looked for only around runs of digits, so most captions cost one quick check.
"""

from __future__ import annotations

import re

from advocacy.compliance.normalise import is_word

_EMAIL_DOMAIN = re.compile(r"@(?:[\w-]++\.)+[^\W\d_]{2,24}(?![\w-])")
_FEWEST_DIGITS = 6  # of any card, national ID or phone number (all ASCII digits after NFKC)
_NOT_ASCII_DIGITS = bytes(c for c in range(256) if chr(c) not in "0123456789")
# Where one may be: ASCII digits (NFKC has folded fullwidth ones) and separators, at least
# six characters long since it holds six digits.
_NUMBER = re.compile(r"[0-9(+][0-9 ().+-]{5,}+")
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


def email_spans(text: str) -> list[tuple[int, int]]:
    """Found from the "@domain" outwards, so text without an "@" costs one search."""
    spans = []
    for match in _EMAIL_DOMAIN.finditer(text) if "@" in text else ():
        start = match.start()
        while start and (is_word(text[start - 1]) or text[start - 1] in ".%+-"):
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


def _ascii_digit_count(text: str) -> int:
    """Counted as bytes: every other character is dropped, each non-ASCII one as a "?"."""
    return len(text.encode("ascii", "replace").translate(None, _NOT_ASCII_DIGITS))


def number_spans(text: str) -> list[tuple[int, int, str]]:
    """Cards, national IDs and phones, looked for only around runs of digits."""
    if _ascii_digit_count(text) < _FEWEST_DIGITS:
        return []
    found: dict[tuple[int, int], str] = {}
    for number in _NUMBER.finditer(text):
        if sum(map(str.isdigit, number[0])) >= _FEWEST_DIGITS:
            window = (text, max(0, number.start() - 3), number.end() + 3)
            for finder in (_cards, _national_ids, _phones):
                found.update(
                    {(s, e): kind for s, e, kind in finder(*window) if (s, e) not in found}
                )
    return [(s, e, kind) for (s, e), kind in found.items()]
