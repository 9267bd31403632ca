"""Finding an organisation's terms in a folded caption with one regex built from a trie.

Compiling is cached: by identity of the terms tuple first, then by value, because hashing
1,000 terms costs more than screening a caption.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from advocacy.compliance.normalise import is_word, key
from advocacy.compliance.rules import Severity, Term


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str] | None
    by_key: dict[str, Term]
    anchors: frozenset[str] | None  # the longest word of each term; None if one has no word


_WORD_RUN = re.compile(r"\w+")
_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if not is_word(chr(c))})


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
        term_key = key(term.text)
        known = by_key.get(term_key)
        if term_key and (known is None or known.severity != Severity.BLOCKED):
            by_key[term_key] = term
    trie: dict = {}
    for term_key in by_key:
        node = trie
        for char in term_key:
            node = node.setdefault(char, {})
        node[""] = {}
    pattern = rf"(?<!\w)(?:{_trie_regex(trie)})(?!\w)" if trie else None
    words = [_WORD_RUN.findall(term_key) for term_key in by_key]
    anchors = None if not all(words) else frozenset(max(w, key=len) for w in words)
    return _Lexicon(pattern and re.compile(pattern), by_key, anchors)


def _may_match(lexicon: _Lexicon, folded: str) -> bool:
    """A quick pass for ASCII text: each word of a term is a whole word of any text it
    matches, so a caption without any term's longest word cannot match."""
    if lexicon.anchors is None:
        return True
    if folded.isascii():
        return not lexicon.anchors.isdisjoint(folded.translate(_ASCII_NON_WORD).split())
    return not lexicon.anchors.isdisjoint(_WORD_RUN.findall(folded))


_recent: tuple[tuple[Term, ...], _Lexicon] | None = None


def _lexicon(terms: tuple[Term, ...]) -> _Lexicon:
    """Hashing 1,000 terms costs more than screening a caption: reuse by identity first."""
    global _recent
    recent = _recent
    if recent is None or recent[0] is not terms:
        recent = _recent = (terms, _compile_lexicon(terms))
    return recent[1]


def find_terms(folded: str, terms: tuple[Term, ...]) -> list[tuple[int, int, Term]]:
    """Each distinct term in the folded caption, at its first occurrence (folded offsets)."""
    lexicon = _lexicon(terms)
    if lexicon.pattern is None or not _may_match(lexicon, folded):
        return []
    found: list[tuple[int, int, Term]] = []
    seen: set[str] = set()
    for match in lexicon.pattern.finditer(folded):
        match_key = " ".join(match[0].split())
        if match_key in seen:
            continue
        seen.add(match_key)
        found.append((*match.span(), lexicon.by_key[match_key]))
    return found
