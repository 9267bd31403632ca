"""Properties of compliance screening that must hold for any caption an employee can type."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from advocacy.compliance import LIMITS, Rules, Severity, Term, screen, starter_terms
from advocacy.compliance.normalise import contains_phrase, key, normalise

PURE = settings(max_examples=150, deadline=None)
NETWORKS = st.sampled_from(sorted(LIMITS))
DISCLOSURES = st.sampled_from(["#employee", "#Mitarbeiter", "I work at Acme", "#ad", "#Ünïcode"])
RULES = Rules(
    terms=starter_terms() + (Term("café", Severity.FLAGGED), Term("straße", Severity.BLOCKED)),
    approved_domains=("chorus.example.com",),
)

# Text people paste: every plane, combining marks, bidi controls, emoji ZWJ sequences, line
# and paragraph separators. Hypothesis never draws lone surrogates (they are not text).
EDGES = [
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u0301\u0301\u0301",  # stacked combining marks
    "\U0001f469\u200d\U0001f4bb",  # woman technologist, a ZWJ sequence
    "\U0001f1ec\U0001f1e7",  # a flag
    "\U00020000",  # a 4-byte CJK character
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u0130",  # İ
    "\u0131",  # ı
    "ﬀ",  # a ligature NFKC expands
    "\ufdfa",  # one character NFKC turns into 18
    "@",
    "://",
    "www.",
    ".com",
    "0",
    "+44 ",
]
CAPTIONS = st.lists(st.one_of(st.text(), st.sampled_from(EDGES)), max_size=12).map("".join)


def findings(screening) -> set[tuple[str, str]]:
    return {(problem.code, problem.excerpt) for problem in screening.problems}


@PURE
@given(caption=CAPTIONS, network=NETWORKS)
@example(caption="\ufdfa" * 300, network="x")
@example(caption="e\u0301" * 2000 + " confidential", network="linkedin")
def test_screening_never_fails_and_quotes_only_the_final_text(caption, network):
    screening = screen(caption, network, RULES, link="https://chorus.example.com/s/abcdefgh")

    assert screening.text.startswith(caption.strip())
    assert screening.blocked == any(p.blocking for p in screening.problems)
    for problem in screening.problems:
        assert problem.message
        if problem.code not in ("empty", "too_long"):
            assert problem.excerpt and problem.excerpt in screening.text, problem


@PURE
@given(caption=CAPTIONS, network=NETWORKS, disclosure=DISCLOSURES)
@example(caption="proud of this #EMPLOYEE", network="x", disclosure="#employee")
@example(caption="#employees rock", network="x", disclosure="#employee")
def test_the_disclosure_is_in_every_final_text(caption, network, disclosure):
    """Added when missing (as its own words), never doubled when already there."""
    screening = screen(caption, network, Rules(disclosure=disclosure))

    folded = normalise(screening.text, fold=True)[0]
    assert contains_phrase(folded, key(disclosure))
    already = contains_phrase(normalise(caption.strip(), fold=True)[0], key(disclosure))
    assert screening.disclosure_added is not already
    assert screening.text == (caption.strip() if already else screening.text)
    if screening.disclosure_added:
        assert screening.text.endswith(disclosure)


FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
TURKISH = {"i": ["\u0130", "\u0131"], "I": ["\u0130", "\u0131"]}
INVISIBLE = st.sampled_from(
    ["", "", "", "\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
)
# Letters of other scripts drawn like Latin ones (small and capital).
LOOK_ALIKES = {
    **dict(a="аαА", e="еЕ", o="оοօО", p="рρР", c="сС", y="у", x="хХ", i="іι", j="јϳ"),
    **dict(s="ѕ", h="һ", d="ԁ", q="ԛ", w="ԝ", v="ν", k="κ", g="ɡ", u="ս"),
}
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2003", " \u3000 "])
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüß", min_size=2, max_size=9)


@st.composite
def disguised(draw, term: str) -> str:
    """The term as someone might type it: any case, fullwidth or Turkish letters, accents
    decomposed, any whitespace between its words, invisible characters inside them, and
    look-alike letters of other scripts among Latin ones (every other letter of a word)."""
    out, in_word = [], 0
    for index, char in enumerate(term):
        if index:
            out.append(draw(INVISIBLE))
        if char == " ":
            out.append(draw(SEPARATORS))
            in_word = 0
            continue
        choices = [char, char.upper(), FULLWIDTH.get(char, char), FULLWIDTH.get(char.upper(), char)]
        choices += TURKISH.get(char, [])
        if in_word % 2:
            choices += LOOK_ALIKES.get(char, "")
        in_word += 1
        choice = draw(st.sampled_from(choices))
        out.append(unicodedata.normalize("NFD", choice) if draw(st.booleans()) else choice)
    return "".join(out)


@PURE
@given(data=st.data(), words=st.lists(WORDS, min_size=1, max_size=3), network=NETWORKS)
@example(data=None, words=["internal", "only"], network="x")
def test_a_lexicon_term_is_found_however_it_is_written(data, words, network):
    term = " ".join(words)
    assume(key(term) == term.replace("ß", "ss"))  # a plain term, as an admin types it
    if data is None:  # the @example: a fixed disguise
        typed, before, after = "İNTER\u200bNАL\u00a0ｏｎ\u00adｌу", "Read this:", "!"
    else:
        typed = data.draw(disguised(term))
        before = data.draw(st.text(alphabet=" .,!?😀日本", max_size=5))
        after = data.draw(st.text(alphabet=" .,!?😀日本", max_size=5))
    caption = f"{before} {typed} {after}"
    rules = Rules(terms=(Term(term, Severity.BLOCKED, "test"),), disclosure="")

    screening = screen(caption, network, rules)

    blocked = [p for p in screening.problems if p.code == "blocked_term"]
    assert [p.excerpt for p in blocked] == [typed], (caption, screening.problems)
    assert screening.blocked


TERM_RULES = Rules(
    terms=tuple(term for term in RULES.terms if " " not in term.text),
    approved_domains=RULES.approved_domains,
)


@PURE
@given(first=CAPTIONS, more=CAPTIONS, network=NETWORKS)
@example(first="Call 020 7946 0958", more="confidential", network="x")
@example(first="mail ann@example.com", more="0958", network="linkedin")
def test_adding_text_never_removes_a_finding(first, more, network):
    """What was wrong with a caption stays wrong after a new paragraph is written below it
    (a paragraph break ends every word, number, address and link)."""
    assume(first.strip())
    alone = screen(first, network, TERM_RULES)
    longer = screen(first.strip() + "\n\n" + more, network, TERM_RULES)

    assert findings(alone) <= findings(longer)
    if alone.blocked:
        assert longer.blocked


@pytest.mark.parametrize(
    "typed",
    [
        "conf\u200bidential",  # zero-width space
        "conf\u00adidential",  # soft hyphen
        "con\u2060fid\u200dential",  # word joiner, zero-width joiner
        "c\u043enfidential",  # a Cyrillic о
        "CONFΙDENTΙAL",  # Greek capital iotas
    ],
)
def test_invisible_and_look_alike_characters_do_not_hide_a_term(typed):
    """Each of these passed screening before: the lexicon saw another word."""
    rules = Rules(terms=(Term("confidential", Severity.BLOCKED, "marker"),), disclosure="")

    screening = screen(f"This is {typed} news", "x", rules)

    [problem] = screening.problems
    assert (problem.code, problem.excerpt) == ("blocked_term", typed)


def test_words_of_other_scripts_are_not_read_as_latin():
    rules = Rules(terms=(Term("cop", Severity.BLOCKED),), disclosure="")

    assert screen("Это сор", "x", rules).problems == ()  # Russian for "litter"
