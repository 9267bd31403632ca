"""Caption screening: what an employee is told before a post reaches X or LinkedIn."""

from __future__ import annotations

import random
import re

import pytest

from advocacy.compliance import (
    LIMITS,
    URL_WEIGHT,
    Problem,
    Rules,
    Screening,
    Severity,
    Term,
    screen,
    starter_terms,
    weighted_length,
)

BLOCKED, FLAGGED = Severity.BLOCKED, Severity.FLAGGED
TERMS = (
    Term("confidential", BLOCKED, "confidential marker"),
    Term("internal only", BLOCKED, "confidential marker"),
    Term("guaranteed returns", BLOCKED, "guarantee of returns"),
    Term("guaranteed", FLAGGED, "needs review"),
    Term("ass", BLOCKED, "profanity"),
    Term("cunt", BLOCKED, "profanity"),
    Term("#ad", FLAGGED, "needs review"),
    Term("100%", FLAGGED, "needs review"),
    Term("straße", BLOCKED, "test"),
    Term("café", FLAGGED, "test"),
    Term("lawsuit", FLAGGED, "needs review"),
)
RULES = Rules(terms=TERMS, approved_domains=("chorus.example.com",))
BARE = Rules(disclosure="")  # nothing but the built-in checks


def codes(screening: Screening) -> list[str]:
    return [problem.code for problem in screening.problems]


def only(screening: Screening, code: str) -> Problem:
    found = [problem for problem in screening.problems if problem.code == code]
    assert len(found) == 1, screening.problems
    return found[0]


# --- Length -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("hello", 5),
        ("café", 4),
        ("日本語", 6),
        ("😀", 2),
        ("a—b", 3),  # U+2014 is in a light range
        ("…", 2),  # U+2026 is not
        ("\u10ff\u1100", 3),  # the last light code point, then the first heavy one
        ("cafe\u0301", 4),  # counted after NFC, like twitter-text
    ],
)
def test_x_weighs_each_code_point_by_range(text: str, weight: int) -> None:
    assert weighted_length(text, "x") == weight


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("https://example.com/" + "a" * 200, URL_WEIGHT),
        ("see http://t.example/x", 4 + URL_WEIGHT),
        ("example.com/path", URL_WEIGHT),
        ("www.example.com and https://chorus.example.com/p?q=1", URL_WEIGHT + 5 + URL_WEIGHT),
    ],
)
def test_x_counts_every_url_as_23(text: str, weight: int) -> None:
    assert weighted_length(text, "x") == weight


def test_linkedin_counts_plain_code_points() -> None:
    assert weighted_length("日本語😀 https://example.com/" + "a" * 50, "linkedin") == 5 + 70


@pytest.mark.parametrize("network", ["facebook", "", "mastodon"])
def test_unknown_network_is_an_error(network: str) -> None:
    with pytest.raises(ValueError, match="network"):
        screen("Hello", network, RULES)
    with pytest.raises(ValueError, match="network"):
        weighted_length("Hello", network)


def test_post_at_the_x_limit_passes() -> None:
    result = screen("a" * 270, "x", RULES)  # plus " #employee"
    assert len(result.text) == LIMITS["x"] and result.problems == ()


def test_too_long_says_by_how_much() -> None:
    problem = only(screen("a" * 291, "x", RULES), "too_long")
    assert problem.message == "The post is 301 characters on X; the limit is 280. Shorten it by 21."
    assert problem.blocking and problem.excerpt == ""


def test_appended_disclosure_can_push_x_over_the_limit() -> None:
    result = screen("a" * 275, "x", RULES)
    assert result.disclosure_added and codes(result) == ["too_long"]


def test_linkedin_limit_counts_the_disclosure_on_its_own_paragraph() -> None:
    assert screen("a" * 2989, "linkedin", RULES).problems == ()  # + "\n\n#employee" = 3000
    assert "by 1." in only(screen("a" * 2990, "linkedin", RULES), "too_long").message


def test_tracked_link_counts_on_x_only() -> None:
    caption, link = "a" * 250, "https://chorus.example.com/l/abc"  # 260 with the disclosure
    assert screen(caption, "x", RULES).problems == ()
    assert "284 characters" in only(screen(caption, "x", RULES, link=link), "too_long").message
    assert screen(caption, "linkedin", RULES, link=link).problems == ()


def test_tracked_link_already_in_the_caption_is_counted_once() -> None:
    link = "https://chorus.example.com/l/" + "x" * 100
    result = screen("a" * 240 + " " + link, "x", RULES, link=link)
    assert result.problems == ()  # 240 + 1 + 23 + 10


def test_long_urls_do_not_make_an_x_post_too_long() -> None:
    result = screen("Read https://chorus.example.com/" + "p" * 400, "x", RULES)
    assert result.problems == ()


@pytest.mark.parametrize("caption", ["", "   ", "\n\t "])
def test_empty_caption_is_blocked(caption: str) -> None:
    result = screen(caption, "x", RULES)
    assert codes(result) == ["empty"] and result.blocked
    assert result.problems[0].message == "Write a caption before sharing."
    assert result.text == "#employee"


# --- Lexicon ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caption", "excerpt"),
    [
        ("This is confidential", "confidential"),
        ("CONFIDENTIAL: numbers", "CONFIDENTIAL"),
        ("(Confidential)", "Confidential"),
        ("internal   only", "internal   only"),
        ("Internal\nOnly!", "Internal\nOnly"),
        ("ｃｏｎｆｉｄｅｎｔｉａｌ", "ｃｏｎｆｉｄｅｎｔｉａｌ"),  # fullwidth letters
        ("İNTERNAL ONLY", "İNTERNAL ONLY"),  # Turkish dotted capital I
        ("ınternal only", "ınternal only"),  # Turkish dotless i
        ("guaranteed returns!", "guaranteed returns"),
    ],
)
def test_blocked_term_is_found_however_it_is_typed(caption: str, excerpt: str) -> None:
    problem = only(screen(caption, "x", RULES), "blocked_term")
    assert problem.excerpt == excerpt and problem.blocking


@pytest.mark.parametrize(
    "caption",
    [
        "Confidentiality matters",
        "nonconfidential",
        "confidential_report",
        "Confidentiel",  # French, not the English term
        "internal-only",
        "internalonly",
        "A thorough assessment",
        "Greetings from Scunthorpe",
        "class, pass, bass",
        "#adventure awaits",
        "2100% growth",
    ],
)
def test_words_containing_a_term_are_not_matched(caption: str) -> None:
    assert [p for p in screen(caption, "x", RULES).problems if p.code.endswith("_term")] == []


@pytest.mark.parametrize(
    ("caption", "excerpt"),
    [("Sponsored #ad", "#ad"), ("#AD: new shoes", "#AD"), ("We are 100% in", "100%")],
)
def test_terms_with_punctuation_match_at_their_edges(caption: str, excerpt: str) -> None:
    assert only(screen(caption, "x", RULES), "flagged_term").excerpt == excerpt


@pytest.mark.parametrize("caption", ["Die STRASSE", "die Strasse", "die straße", "DIE STRAẞE"])
def test_german_sharp_s_matches_by_casefolding(caption: str) -> None:
    assert only(screen(caption, "x", RULES), "blocked_term").excerpt == caption[4:]


def test_uppercase_sharp_s_term_matches_lowercase_text() -> None:
    rules = Rules(terms=(Term("STRASSE", BLOCKED),), disclosure="")
    assert only(screen("Eine Straße", "x", rules), "blocked_term").excerpt == "Straße"


def test_decomposed_accents_match_a_composed_term() -> None:
    assert only(screen("Meet at the cafe\u0301 now", "x", RULES), "flagged_term").excerpt == (
        "cafe\u0301"
    )


def test_each_term_is_reported_once_quoting_its_first_occurrence() -> None:
    result = screen("Confidential! Really confidential. CONFIDENTIAL.", "x", RULES)
    assert codes(result) == ["blocked_term"] and result.problems[0].excerpt == "Confidential"


def test_longest_term_wins_over_a_term_it_contains() -> None:
    result = screen("Guaranteed returns for all", "x", RULES)
    assert codes(result) == ["blocked_term"] and result.problems[0].excerpt == "Guaranteed returns"


def test_shorter_term_matches_when_the_longer_one_does_not_complete() -> None:
    result = screen("Guaranteed return policy", "x", RULES)
    assert only(result, "flagged_term").excerpt == "Guaranteed"


def test_flagged_term_needs_approval_but_does_not_block() -> None:
    result = screen("About the lawsuit", "x", RULES)
    assert result.flagged and not result.blocked
    assert result.flags == result.problems and result.blocking_problems == ()
    assert result.problems[0].message == (
        'A marketer must approve "lawsuit" before this is shared (needs review).'
    )


def test_blocked_term_message_names_term_and_category() -> None:
    problem = only(screen("This is confidential", "x", RULES), "blocked_term")
    assert problem.message == 'Remove "confidential": it is a blocked term (confidential marker).'


def test_blocked_term_wins_when_two_terms_fold_alike() -> None:
    terms = (Term("Rumor", FLAGGED), Term("rumor", BLOCKED), Term("RUMOR", FLAGGED))
    result = screen("a rumor", "x", Rules(terms=terms, disclosure=""))
    assert codes(result) == ["blocked_term"]


def test_term_message_without_category_has_no_parentheses() -> None:
    rules = Rules(terms=(Term("secret", BLOCKED),), disclosure="")
    assert only(screen("secret", "x", rules), "blocked_term").message == (
        'Remove "secret": it is a blocked term.'
    )


def test_equal_terms_tuples_give_equal_results() -> None:
    copy = Rules(terms=tuple(list(TERMS)), approved_domains=RULES.approved_domains)
    caption = "Confidential lawsuit #ad"
    assert screen(caption, "x", copy) == screen(caption, "x", RULES)


def test_switching_between_lexicons_uses_the_right_one() -> None:
    other = Rules(terms=(Term("lawsuit", BLOCKED),), disclosure="")
    for _ in range(2):
        assert codes(screen("a lawsuit", "x", RULES)) == ["flagged_term"]
        assert codes(screen("a lawsuit", "x", other)) == ["blocked_term"]


@pytest.mark.parametrize(
    ("term", "caption", "near_miss"),
    [
        ("c++", "We love C++!", "We love cxx!"),
        ("a.b", "see A.B now", "see AxB now"),
        ("(x)", "and (X) too", "and X too"),
    ],
)
def test_terms_with_regex_characters_match_literally(
    term: str, caption: str, near_miss: str
) -> None:
    rules = Rules(terms=(Term(term, BLOCKED),), disclosure="")
    assert codes(screen(caption, "x", rules)) == ["blocked_term"]
    assert screen(near_miss, "x", rules).problems == ()


def test_no_terms_means_no_term_problems() -> None:
    assert screen("confidential", "x", Rules()).problems == ()


# --- Personal data ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+1 (555) 010-9999",
        "(555) 555-1234",
        "555-555-1234",
        "555.555.1234",
        "1-800-555-1234",
        "+447946095800",
        "020 7946 0958",
    ],
)
def test_phone_numbers_are_blocked(phone: str) -> None:
    problem = only(screen(f"Call me on {phone} today", "x", BARE), "phone")
    assert problem.excerpt == phone and problem.blocking
    assert problem.message == (
        f'Remove the phone number "{phone}": posts must not contain personal data.'
    )


@pytest.mark.parametrize(
    "caption",
    [
        "Founded in 2025",
        "Launch on 2025-11-25 at 10:30",
        "Raised $1,000,000 this year",
        "Up 12.5% and 100% remote",
        "1000000 impressions",
        "1 000 000 000 views",
        "Release v1.2.3",
        "Q3 2024-2025 results 25/11/2025",
    ],
)
def test_numbers_that_are_not_phones_pass(caption: str) -> None:
    assert screen(caption, "x", BARE).problems == ()


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "3782 822463 10005",  # American Express grouping
        "5500 0000 0000 0004",
    ],
)
def test_card_numbers_passing_luhn_are_blocked(card: str) -> None:
    result = screen(f"My card {card} exp 12/27", "x", BARE)
    assert codes(result) == ["card"] and result.problems[0].excerpt == card


@pytest.mark.parametrize("digits", ["4111 1111 1111 1112", "4111-1111-1111-1113", "1234567890123"])
def test_digit_groups_failing_luhn_are_not_cards(digits: str) -> None:
    assert "card" not in codes(screen(f"Order {digits}", "x", BARE))


def test_card_is_not_also_reported_as_a_phone() -> None:
    assert codes(screen("4111-1111-1111-1111 and 4111 1111 1111 1111", "x", BARE)) == [
        "card",
        "card",
    ]


def test_us_social_security_number_is_blocked() -> None:
    problem = only(screen("SSN 123-45-6789", "x", BARE), "national_id")
    assert problem.excerpt == "123-45-6789"
    assert "Social Security number" in problem.message


@pytest.mark.parametrize(
    "number",
    ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000"],
)
def test_impossible_social_security_numbers_pass(number: str) -> None:
    assert screen(f"Ref {number}", "x", BARE).problems == ()


@pytest.mark.parametrize("nino", ["AB 12 34 56 C", "AB123456C", "ce123456d"])
def test_uk_national_insurance_number_is_blocked(nino: str) -> None:
    problem = only(screen(f"My NI number is {nino}.", "x", BARE), "national_id")
    assert problem.excerpt == nino and "National Insurance number" in problem.message


@pytest.mark.parametrize(
    "nino",
    [
        "QQ 12 34 56 C",
        "DA123456A",
        "AD123456A",
        "AO123456A",
        "BG123456A",
        "GB123456A",
        "NK123456A",
        "ZZ123456A",
        "AB123456E",
    ],
)
def test_invalid_national_insurance_numbers_pass(nino: str) -> None:
    assert screen(f"Code {nino}", "x", BARE).problems == ()


@pytest.mark.parametrize("email", ["jane@example.com", "jane.doe+news@mail.example.co.uk"])
def test_email_address_is_blocked_and_not_called_a_link(email: str) -> None:
    result = screen(f"Write to {email}.", "x", RULES)
    assert codes(result) == ["email"] and result.problems[0].excerpt == email
    assert result.problems[0].message == (
        f'Remove the email address "{email}": posts must not contain personal data.'
    )


def test_fullwidth_digits_are_caught_and_quoted_as_typed() -> None:
    problem = only(screen("Ｃall ５５５-５５５-１２３４", "x", BARE), "phone")
    assert problem.excerpt == "５５５-５５５-１２３４"


def test_mentions_are_not_email_addresses() -> None:
    assert screen("Thanks @chorus and @jane.doe!", "x", BARE).problems == ()


# --- Disclosure ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "caption", ["Proud! #employee", "#Employee of the year", "Great #EMPLOYEE.", "#employee"]
)
def test_disclosure_already_present_is_not_added(caption: str) -> None:
    result = screen(caption, "x", RULES)
    assert not result.disclosure_added and result.text == caption


@pytest.mark.parametrize("caption", ["Proud #employees", "#employeeowned", "team#employee"])
def test_disclosure_inside_a_longer_word_does_not_count(caption: str) -> None:
    result = screen(caption, "x", RULES)
    assert result.disclosure_added and result.text == caption + " #employee"


def test_disclosure_is_appended_to_the_stripped_caption() -> None:
    assert screen("  Great news!  \n", "x", RULES).text == "Great news! #employee"
    assert screen("  Great news!  \n", "linkedin", RULES).text == "Great news!\n\n#employee"


def test_custom_disclosure_phrase_matches_across_whitespace() -> None:
    rules = Rules(disclosure="I work at Chorus")
    assert not screen("Hello (i  work\nat chorus)", "x", rules).disclosure_added
    assert screen("Hello", "x", rules).text == "Hello I work at Chorus"


def test_empty_disclosure_setting_adds_nothing() -> None:
    result = screen("  Great news  ", "x", BARE)
    assert result.text == "Great news" and not result.disclosure_added


# --- Links --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://chorus.example.com/post/1",
        "http://blog.chorus.example.com",
        "www.chorus.example.com/x",
        "https://WWW.Chorus.Example.com/x",
        "chorus.example.com/about",
        "https://chorus.example.com:443/x",
    ],
)
def test_links_to_approved_domains_and_subdomains_pass(url: str) -> None:
    assert screen(f"Read {url} now", "x", RULES).problems == ()


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/x",
        "evil.com",
        "example.com/path",
        "www.evil.com",
        "https://chorus.example.com.evil.com/",
        "https://evilchorus.example.com",
        "https://chorus.example.com@evil.com/",
        "https://chorus.example.com:443@evil.com/x",
        "https://evil.com\\@chorus.example.com",
        "http://10.0.0.1/admin",
    ],
)
def test_links_elsewhere_are_blocked_and_quoted(url: str) -> None:
    problem = only(screen(f"Read {url} now", "x", RULES), "link")
    assert problem.excerpt == url and problem.blocking
    assert problem.message == (
        f'Remove the link "{url}": links may only point to approved sites (chorus.example.com).'
    )


@pytest.mark.parametrize(
    "caption",
    [
        "Use tools, e.g. Node.js and Vue.js",
        "Release v1.2.3 is out",
        "It is done.Next we ship",
        "See notes.txt and report.PDF",
        "i.e. the best",
        "Pi is 3.14159",
    ],
)
def test_prose_that_looks_like_a_domain_is_not_a_link(caption: str) -> None:
    assert screen(caption, "x", BARE).problems == ()


@pytest.mark.parametrize(
    ("caption", "excerpt"),
    [
        ("Visit https://evil.com/x.", "https://evil.com/x"),
        ("(see https://evil.com/x)", "https://evil.com/x"),
        ("Wiki https://evil.com/A_(b), ok", "https://evil.com/A_(b)"),
        ('"evil.com/path"', "evil.com/path"),
    ],
)
def test_punctuation_around_a_link_is_not_part_of_it(caption: str, excerpt: str) -> None:
    assert only(screen(caption, "x", RULES), "link").excerpt == excerpt


def test_the_tracked_link_host_is_always_approved() -> None:
    result = screen("More at go.example/launch", "x", BARE, link="https://go.example/l/1")
    assert result.problems == ()


def test_each_unapproved_link_is_reported() -> None:
    result = screen("a.example.org and https://b.example.net/x", "x", RULES)
    assert [p.excerpt for p in result.problems] == ["a.example.org", "https://b.example.net/x"]


# --- Everything together ------------------------------------------------------------------
MESSY = (
    "Call 555-555-1234 about the CONFIDENTIAL deal, see evil.com/x, mail jane@example.com, "
    "card 4111 1111 1111 1111, SSN 123-45-6789, NI AB123456C, lawsuit pending. " + "x" * 200
)


def test_problems_follow_the_text_after_the_length_problem() -> None:
    assert codes(screen(MESSY, "x", RULES)) == [
        "too_long",
        "phone",
        "blocked_term",
        "link",
        "email",
        "card",
        "national_id",
        "national_id",
        "flagged_term",
    ]


def test_every_message_quotes_the_offending_text_exactly() -> None:
    result = screen(MESSY, "x", RULES)
    for problem in result.problems:
        if problem.code != "too_long":
            assert f'"{problem.excerpt}"' in problem.message
            assert problem.excerpt in result.text


def test_blocked_and_flagged_properties_split_the_problems() -> None:
    result = screen(MESSY, "linkedin", RULES)
    assert result.blocked and result.flagged
    assert [p.code for p in result.flags] == ["flagged_term"]
    assert len(result.blocking_problems) == len(result.problems) - 1


def test_clean_caption_has_no_problems() -> None:
    result = screen("Proud of the team! https://chorus.example.com/p/1", "linkedin", RULES)
    assert result == Screening(
        "Proud of the team! https://chorus.example.com/p/1\n\n#employee", (), True
    )
    assert not result.blocked and not result.flagged


# --- Starter lexicon ----------------------------------------------------------------------
def test_starter_terms_cover_every_category() -> None:
    terms = starter_terms()
    categories = {term.category for term in terms}
    assert {
        "confidential marker",
        "guarantee of returns",
        "unreleased results",
        "profanity",
        "needs review",
    } <= categories
    assert all(term.text and isinstance(term.severity, Severity) for term in terms)
    assert {t.severity for t in terms if t.category == "needs review"} == {FLAGGED}


@pytest.mark.parametrize(
    ("caption", "code"),
    [
        ("This is confidential", "blocked_term"),
        ("Internal use only, do not share", "blocked_term"),
        ("Risk-free, guaranteed returns", "blocked_term"),
        ("Big news before earnings", "blocked_term"),
        ("Rumor has it: a merger", "flagged_term"),
    ],
)
def test_starter_terms_screen_typical_captions(caption: str, code: str) -> None:
    result = screen(caption, "x", Rules(terms=starter_terms()))
    assert code in codes(result)


# --- The compiled lexicon agrees with a plain loop over the terms -------------------------
def _naive_term_problems(
    caption: str, patterns: list[tuple[re.Pattern[str], str, Term]]
) -> list[tuple[str, str]]:
    """Every term searched on its own, then the leftmost, longest matches kept."""
    text = caption.strip()
    lowered, hits = text.lower(), []
    for pattern, first_word, term in patterns:
        if first_word in lowered:
            hits += [(m.start(), m.end(), term) for m in pattern.finditer(lowered)]
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    found, end, seen = [], 0, set()
    for start, stop, term in hits:
        if start >= end:
            end = stop
            if term.text not in seen:
                seen.add(term.text)
                code = "blocked_term" if term.severity == BLOCKED else "flagged_term"
                found.append((code, text[start:stop]))
    return found


def _naive_pattern(term: Term) -> re.Pattern[str]:
    words = map(re.escape, term.text.lower().split())
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def test_compiled_lexicon_matches_a_naive_loop_over_1000_terms() -> None:
    rng = random.Random(20251125)
    vocabulary = sorted(
        {
            "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 7)))
            for _ in range(500)
        }
    )
    texts: set[str] = set()
    while len(texts) < 1000:
        texts.add(" ".join(rng.sample(vocabulary, rng.choice([1, 1, 1, 2, 2, 3]))))
    terms = tuple(Term(text, rng.choice([BLOCKED, FLAGGED])) for text in sorted(texts))
    rules = Rules(terms=terms, disclosure="")
    patterns = [(_naive_pattern(term), term.text.split()[0], term) for term in terms]
    separators = [" ", " ", " ", "  ", "\n", ", ", "! ", " (", ") ", " café "]
    matched = 0
    for _ in range(2000):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(3, 25))]
        words[rng.randrange(len(words))] = rng.choice(terms).text  # often a phrase
        words = [w.upper() if rng.random() < 0.1 else w for w in words]
        caption = words[0] + "".join(rng.choice(separators) + w for w in words[1:])
        expected = _naive_term_problems(caption, patterns)
        actual = [(p.code, p.excerpt) for p in screen(caption, "linkedin", rules).problems]
        assert actual == expected, caption
        matched += len(expected)
    assert matched > 4000  # the captions do contain terms, phrases and overlapping ones
