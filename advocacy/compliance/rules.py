"""What an organisation screens captions with: its lexicon of terms, disclosure and sites.

Kept apart from `screen()` so that the lexicon matcher can use these types without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
