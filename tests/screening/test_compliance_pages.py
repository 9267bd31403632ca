"""The admin's compliance pages: settings, the lexicon, the starter list, and the write-once
archive of published posts with its search and CSV export."""

from __future__ import annotations

import csv
import html
import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import ArchiveRecord, AuditEvent, LexiconTerm, Setting
from advocacy.services import archive, settings, shares
from tests.conftest import csrf_token, post_form, sign_in
from tests.networks.test_connect import connect
from tests.training.conftest import certify


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def terms() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(LexiconTerm).order_by(LexiconTerm.term))
    return [(t.term, t.severity, t.category) for t in rows]


def term_count() -> int:
    return db.session.scalar(select(func.count(LexiconTerm.id)))


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def follow(browser, response):
    assert response.status_code == 303, text(response)
    return browser.get(response.headers["Location"])


@pytest.fixture
def admin(app, make_user):
    """A browser signed in as an admin (the `client` fixture stays free for an employee)."""
    browser = app.test_client()
    user = make_user("ada@example.com", name="Ada Admin", roles=("admin",))
    assert sign_in(browser, user.email).status_code == 303
    return browser


def add_term(browser, term: str, severity: str = "blocked", category: str = "policy"):
    return post_form(
        browser,
        "/admin/compliance/terms",
        {
            "term-csrf_token": csrf_token(browser),
            "term-term": term,
            "term-severity": severity,
            "term-category": category,
        },
    )


def save_settings(browser, disclosure="#employee", domains="", approval=True):
    data = {
        "settings-csrf_token": csrf_token(browser),
        "settings-disclosure": disclosure,
        "settings-domains": domains,
        "settings-submit": "Save settings",
    }
    if approval:
        data["settings-approval"] = "y"
    return post_form(browser, "/admin/compliance", data)


def share_now(browser, item_id: int, **captions):
    data = {"share_now": "Share now"}
    for network, caption in captions.items():
        data[f"on_{network}"] = "y"
        data[f"caption_{network}"] = caption
    return post_form(browser, f"/feed/items/{item_id}/share", data)


def archived() -> list[ArchiveRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(ArchiveRecord).order_by(ArchiveRecord.id)))


# --- The lexicon ----------------------------------------------------------------------------


def test_the_admin_adds_a_term_stored_casefolded_and_audited(admin):
    response = add_term(admin, "  Insider Trading ", category="market abuse")

    page = text(follow(admin, response))
    assert '"Insider Trading" is added to the lexicon.' in page
    assert "(1 term)" in page and "insider trading" in page and "market abuse" in page
    assert terms() == [("insider trading", "blocked", "market abuse")]
    (event,) = audit("lexicon.added")
    assert event.subject == "insider trading" and event.details["severity"] == "blocked"


def test_a_flagging_term_is_shown_as_flagging_for_review(admin):
    follow(admin, add_term(admin, "acquisition", severity="flagged"))

    page = text(admin.get("/admin/compliance"))

    assert '<span class="badge">flags for review</span>' in page
    assert terms() == [("acquisition", "flagged", "policy")]


@pytest.mark.parametrize("again", ["insider trading", "INSIDER TRADING", " Insider trading "])
def test_a_term_already_in_the_lexicon_is_refused(admin, again):
    follow(admin, add_term(admin, "Insider trading"))

    response = add_term(admin, again)

    assert response.status_code == 400
    assert '"insider trading" is already in the lexicon.' in text(response)
    assert term_count() == 1 and len(audit("lexicon.added")) == 1


@pytest.mark.parametrize(
    ("term", "severity", "message"),
    [
        ("", "blocked", "This field is required."),
        ("   ", "blocked", "This field is required."),
        ("leak", "shrug", "Not a valid choice."),
        ("x" * 201, "blocked", "Field cannot be longer than 200 characters."),
    ],
    ids=["empty", "blank", "bad-severity", "too-long"],
)
def test_a_bad_term_is_refused_with_its_reason(admin, term, severity, message):
    response = add_term(admin, term, severity=severity)

    assert response.status_code == 400
    assert message in text(response)
    assert term_count() == 0


def test_removing_a_term_takes_it_out_of_the_lexicon(admin):
    follow(admin, add_term(admin, "leak"))
    follow(admin, add_term(admin, "rumour"))
    leak = db.session.scalar(select(LexiconTerm).where(LexiconTerm.term == "leak"))

    response = post_form(admin, f"/admin/compliance/terms/{leak.id}/remove")

    assert '"leak" is removed from the lexicon.' in text(follow(admin, response))
    assert [t[0] for t in terms()] == ["rumour"]
    assert [e.subject for e in audit("lexicon.removed")] == ["leak"]


def test_removing_a_term_already_gone_says_so(admin):
    response = post_form(admin, "/admin/compliance/terms/999999/remove")

    assert response.status_code == 404
    assert "That term is no longer in the lexicon." in text(response)


def test_the_starter_list_button_installs_the_shipped_terms_once(admin):
    page = text(admin.get("/admin/compliance"))
    assert "The lexicon is empty, so no words are screened." in page
    assert "Add the starter list" in page

    first = text(follow(admin, post_form(admin, "/admin/compliance/starter-terms")))

    installed = term_count()
    assert installed > 50
    assert f"{installed} starter terms added." in first
    assert ("confidential", "blocked", "confidential marker") in terms()
    assert "The lexicon is empty" not in first

    again = text(follow(admin, post_form(admin, "/admin/compliance/starter-terms")))

    assert "The starter list is in." in again
    assert term_count() == installed
    assert len(audit("lexicon.starter_installed")) == 1


def test_the_starter_list_keeps_the_admins_own_version_of_a_term(admin):
    follow(admin, add_term(admin, "Confidential", severity="flagged", category="ours"))

    follow(admin, post_form(admin, "/admin/compliance/starter-terms"))

    assert ("confidential", "flagged", "ours") in terms()


# --- Settings -------------------------------------------------------------------------------


def test_the_admin_saves_disclosure_domains_and_the_approval_switch(admin):
    response = save_settings(
        admin,
        disclosure="#proudemployee",
        domains="www.Acme.IO\n\nblog.example.com, news.example.org\nacme.io",
        approval=False,
    )

    page = text(follow(admin, response))
    assert "The compliance settings are saved." in page
    assert settings.get(db.session, "disclosure") == "#proudemployee"
    assert settings.get(db.session, "approved_domains") == [
        "acme.io",
        "blog.example.com",
        "news.example.org",
    ]
    assert settings.get(db.session, "content_approval_required") is False
    assert 'value="#proudemployee"' in page
    assert "acme.io\nblog.example.com\nnews.example.org</textarea>" in page
    assert (
        '<input id="settings-approval" name="settings-approval" type="checkbox" value="y">' in page
    )
    assert {e.subject for e in audit("setting.changed")} == {
        "disclosure",
        "approved_domains",
        "content_approval_required",
    }


def test_the_settings_page_starts_with_the_defaults(admin):
    page = text(admin.get("/admin/compliance"))

    assert 'value="#employee"' in page
    assert 'checked id="settings-approval"' in page
    assert db.session.scalars(select(Setting)).all() == []


def test_switching_approval_back_on_is_saved(admin):
    follow(admin, save_settings(admin, approval=False))

    follow(admin, save_settings(admin, approval=True))

    assert settings.get(db.session, "content_approval_required") is True


@pytest.mark.parametrize(
    ("domains", "named"),
    [
        ("acme.io\nhttp://x.com", '"http://x.com" is not a domain name such as example.com.'),
        ("localhost", '"localhost" is not a domain name such as example.com.'),
        ("acme.io/news", '"acme.io/news" is not a domain name such as example.com.'),
        ("*.acme.io", '"*.acme.io" is not a domain name such as example.com.'),
        # One domain per line, but a line is split on spaces: the first word is named.
        ("not a domain", '"not a domain" is not a domain name such as example.com.'),
    ],
    ids=["url", "no-dot", "path", "wildcard", "words"],
)
def test_an_invalid_domain_is_refused_by_name_and_nothing_is_saved(admin, domains, named):
    response = save_settings(admin, disclosure="#changed", domains=domains, approval=False)

    assert response.status_code == 400
    assert named in text(response)
    assert db.session.scalars(select(Setting)).all() == []
    assert settings.get(db.session, "disclosure") == "#employee"
    assert audit("setting.changed") == []


def test_a_too_long_disclosure_is_refused(admin):
    response = save_settings(admin, disclosure="#" + "x" * 60)

    assert response.status_code == 400
    assert "Field cannot be longer than 60 characters." in text(response)
    assert db.session.scalars(select(Setting)).all() == []


def test_the_saved_disclosure_is_added_to_shares(app, admin, client, sharer, make_item):
    item = make_item()
    follow(admin, save_settings(admin, disclosure="#proudemployee"))

    checked = post_form(
        client,
        f"/feed/items/{item.id}/share",
        {"check": "Check", "on_x": "y", "caption_x": "Look at this"},
    )

    page = text(checked)
    assert "Look at this #proudemployee" in page and "#employee" not in page
    results = shares.screen_captions(db.session, app.config, sharer, item.id, {"linkedin": "Hi"})
    assert results["linkedin"].text.endswith("#proudemployee")


def test_an_approved_domain_may_be_linked_and_others_may_not(app, admin, sharer, make_item):
    item = make_item()
    follow(admin, save_settings(admin, domains="acme.io"))

    def screened(caption: str):
        return shares.screen_captions(db.session, app.config, sharer, item.id, {"x": caption})["x"]

    assert not screened("More on https://blog.acme.io/news").blocked
    assert not screened("More on acme.io").blocked
    refused = screened("More on https://evil.example/news")
    assert refused.blocked
    assert [p.message for p in refused.blocking_problems] == [
        'Remove the link "https://evil.example/news": links may only point to approved sites '
        "(localhost, acme.io)."
    ]


def test_a_term_the_admin_adds_blocks_shares_at_once(admin, client, sharer, make_item):
    item = make_item()
    follow(admin, add_term(admin, "Project Falcon", category="codename"))

    response = share_now(client, item.id, x="Sneak peek at project falcon")

    assert response.status_code == 400
    assert 'Remove "project falcon": it is a blocked term (codename).' in text(response)
    assert archived() == []


# --- The archive ----------------------------------------------------------------------------


@pytest.fixture
def second_sharer(app, make_user, course):
    """Another certified employee, with LinkedIn connected, in a browser of their own."""
    user = make_user("bob@example.com", name="Bob Builder", roles=("employee",))
    certify(user, course)
    browser = app.test_client()
    assert sign_in(browser, user.email).status_code == 303
    assert connect(browser, "linkedin", handle="bob_li").status_code == 303
    return browser


def test_a_published_post_is_in_the_archive_with_its_exact_text(admin, client, sharer, make_item):
    item = make_item("Launch day")

    assert share_now(client, item.id, x="Big day for us! <b>#launch</b>").status_code == 303

    (record,) = archived()
    assert record.text == "Big day for us! <b>#launch</b> #employee"
    page = admin.get("/admin/archive").get_data(as_text=True)
    assert "Big day for us! &lt;b&gt;#launch&lt;/b&gt; #employee" in page  # exact, and escaped
    assert sharer.email in page and "@ann_on_x" in page and record.remote_id in page
    assert "Spring launch · Launch day" in html.unescape(page)
    assert "/s/" in record.link
    assert f"with the link <code>{record.link}</code>" in page  # what went out with the text


@pytest.fixture
def two_posts(app, admin, client, sharer, second_sharer, make_item, frozen_clock):
    """Ann posts on X now; Bob posts on LinkedIn three days later."""
    start = clock.now()
    frozen_clock(start)
    alpha = make_item("Alpha item", expires_at=start + timedelta(days=30))
    beta = make_item("Beta item", expires_at=start + timedelta(days=30))
    assert share_now(client, alpha.id, x="Alpha news from Ann").status_code == 303
    frozen_clock(start + timedelta(days=3))
    response = share_now(second_sharer, beta.id, linkedin="Beta story from Bob")
    assert response.status_code == 303
    assert [r.network for r in archived()] == ["x", "linkedin"]
    return start


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({}, ["Alpha news", "Beta story"], []),
        ({"q": "ALPHA"}, ["Alpha news"], ["Beta story"]),
        ({"q": "bob@example"}, ["Beta story"], ["Alpha news"]),
        ({"q": "Bob Builder"}, ["Beta story"], ["Alpha news"]),
        ({"q": "beta item"}, ["Beta story"], ["Alpha news"]),
        ({"q": "spring launch"}, ["Alpha news", "Beta story"], []),
        ({"q": "100%"}, [], ["Alpha news", "Beta story"]),
        ({"network": "linkedin"}, ["Beta story"], ["Alpha news"]),
        ({"network": "x"}, ["Alpha news"], ["Beta story"]),
        ({"network": "x", "q": "beta"}, [], ["Alpha news", "Beta story"]),
    ],
)
def test_the_archive_search_filters_by_text_person_and_network(
    admin, two_posts, query, shown, hidden
):
    page = text(admin.get("/admin/archive", query_string=query))

    for snippet in shown:
        assert snippet in page
    for snippet in hidden:
        assert snippet not in page
    if not shown:
        assert "No published posts match." in page


@pytest.mark.parametrize(
    ("days_from", "days_to", "shown", "hidden"),
    [
        (None, 0, "Alpha news", "Beta story"),
        (1, None, "Beta story", "Alpha news"),
        (3, 3, "Beta story", "Alpha news"),
        (0, 0, "Alpha news", "Beta story"),
    ],
    ids=["up-to-the-first-day", "from-the-next-day", "one-day-later", "the-first-day-only"],
)
def test_the_archive_search_filters_by_date_range(
    admin, two_posts, days_from, days_to, shown, hidden
):
    query = {}
    if days_from is not None:
        query["start"] = (two_posts + timedelta(days=days_from)).date().isoformat()
    if days_to is not None:
        query["end"] = (two_posts + timedelta(days=days_to)).date().isoformat()

    page = text(admin.get("/admin/archive", query_string=query))

    assert shown in page and hidden not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2030-13-45"}, "From: Not a valid date value."),
        ({"end": "yesterday"}, "To: Not a valid date value."),
        ({"network": "myspace"}, "Network: Not a valid choice."),
    ],
)
def test_a_bad_filter_gives_a_clear_message_not_an_error_page(admin, query, message):
    response = admin.get("/admin/archive", query_string=query)

    assert response.status_code < 500
    assert message in text(response)


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999"])
def test_a_strange_page_number_does_not_break_the_archive(admin, page):
    response = admin.get("/admin/archive", query_string={"page": page})

    assert response.status_code == 200
    assert "No published posts match." in text(response)


def test_the_csv_export_has_a_header_and_one_row_per_published_post(admin, two_posts):
    response = admin.get("/admin/archive.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="chorus-archive-'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(archive.CSV_COLUMNS)
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(body) == 2
    by_network = {row["network"]: row for row in body}
    assert by_network["x"]["text"] == "Alpha news from Ann #employee"
    assert by_network["linkedin"]["text"].startswith("Beta story from Bob")
    assert by_network["linkedin"]["user_email"] == "bob@example.com"
    assert by_network["x"]["account"] == "@ann_on_x"
    assert by_network["x"]["content_title"] == "Alpha item"
    assert by_network["x"]["campaign"] == "Spring launch"
    assert all(row["remote_id"] and row["link"].startswith("http://localhost/s/") for row in body)


def test_the_csv_export_follows_the_search(admin, two_posts):
    response = admin.get("/admin/archive.csv", query_string={"network": "linkedin"})

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2 and rows[1][archive.CSV_COLUMNS.index("network")] == "linkedin"


def test_a_caption_with_commas_quotes_and_lines_survives_the_csv(admin, client, sharer, make_item):
    item = make_item()
    caption = 'Big, "bold" launch\nSecond line'
    share_now(client, item.id, linkedin=caption)

    rows = list(csv.reader(io.StringIO(admin.get("/admin/archive.csv").get_data(as_text=True))))

    assert rows[1][archive.CSV_COLUMNS.index("text")] == archived()[0].text
    assert archived()[0].text.startswith(caption)


def test_a_bad_date_in_the_csv_export_is_refused_not_ignored(admin, two_posts):
    response = admin.get("/admin/archive.csv", query_string={"start": "2030-13-45"})
    exported = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "Alpha news" not in exported


def test_archive_records_cannot_be_changed_or_deleted(admin, client, sharer, make_item):
    item = make_item()
    share_now(client, item.id, x="Kept forever")
    (record,) = archived()

    record.text = "Rewritten history"
    with pytest.raises(PermissionError, match="write-once"):
        db.session.commit()
    db.session.rollback()

    db.session.delete(record)
    with pytest.raises(PermissionError, match="write-once"):
        db.session.commit()
    db.session.rollback()

    (record,) = archived()
    assert record.text == "Kept forever #employee"


@pytest.mark.parametrize(
    "statement",
    [update(ArchiveRecord).values(text="Rewritten history"), delete(ArchiveRecord)],
    ids=["update", "delete"],
)
def test_archive_records_cannot_be_changed_by_bulk_statements(client, sharer, make_item, statement):
    item = make_item()
    share_now(client, item.id, x="Kept forever")

    try:
        with pytest.raises(PermissionError):
            db.session.execute(statement)
    finally:
        db.session.rollback()
    assert [r.text for r in archived()] == ["Kept forever #employee"]


# --- Who may open these pages ---------------------------------------------------------------


def screening_routes(app) -> list[tuple[str, str]]:
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("screening."):
                url = app.url_for(rule.endpoint, **{name: 1 for name in rule.arguments})
                routes += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_every_compliance_and_archive_route_is_listed(app):
    urls = {url for _, url in screening_routes(app)}
    assert {
        "/admin/compliance",
        "/admin/compliance/terms",
        "/admin/compliance/terms/1/remove",
        "/admin/compliance/starter-terms",
        "/admin/archive",
        "/admin/archive.csv",
    } <= urls


@pytest.mark.parametrize("role", ["marketer", "employee", "executive"])
def test_only_admins_reach_the_compliance_and_archive_pages(app, make_user, role):
    browser = app.test_client()
    assert (
        sign_in(browser, make_user(f"{role}@example.com", roles=(role,)).email).status_code == 303
    )
    follow_up = {
        "term-csrf_token": csrf_token(browser),
        "term-term": "sneaky",
        "term-severity": "blocked",
        "settings-csrf_token": csrf_token(browser),
        "settings-disclosure": "",
    }

    refused = []
    for method, url in screening_routes(app):
        if method == "GET":
            response = browser.get(url)
        else:
            response = post_form(browser, url, follow_up)
        if response.status_code != 403:
            refused.append((method, url, response.status_code))

    assert refused == []
    assert term_count() == 0 and db.session.scalars(select(Setting)).all() == []


def test_anonymous_visitors_are_sent_to_sign_in(app):
    browser = app.test_client()
    for url in ("/admin/compliance", "/admin/archive", "/admin/archive.csv"):
        response = browser.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
