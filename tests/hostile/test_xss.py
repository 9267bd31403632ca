"""Script in anything people type is shown as text on every page that shows it.

Every name, title, caption, term and note below carries markup naming where it came from;
every HTML page Chorus serves (the URL map, pointed at these rows) is read, as a person
with every role and as a stranger. No page may carry the markup live, and the pages that
show each thing must show it escaped.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from advocacy import clock
from advocacy.extensions import db
from advocacy.markdown import render_markdown
from advocacy.models import Certification
from advocacy.services import campaigns, engage, lexicon, networks, publishing, shares
from tests.hostile.test_form_fuzz import EVERY_ROLE, routes_with
from tests.networks.test_connect import connect
from tests.sharing import add_term
from tests.training.conftest import certify, import_folder, write_course


def script(source: str) -> str:
    return f"<script>alert({source})</script><img src=x onerror=alert({source})>"


LIVE = ("<script>alert(", "<img src=x onerror", "<iframe", 'href="javascript:', "href='javascript:")
MARKDOWN = f"""

{script("markdown")}

<iframe src="https://evil.example/frame"></iframe>

[a link](javascript:alert(markdown)) and [another](JaVaScRiPt:alert(1)) and <javascript:alert(2)>

![an image](https://evil.example/x.png" onerror="alert(3))

<a href="https://evil.example" onclick="alert(4)">raw link</a>
"""


def shown(source: str) -> str:
    return str(escape(script(source)))


@pytest.fixture
def hostile(app, client, login_as, make_user, make_item, tmp_path):
    """Rows whose every text field carries script."""
    course = import_folder(write_course(tmp_path / "course", extra_text=MARKDOWN))
    boss = login_as(
        *EVERY_ROLE, email="boss@example.com", name=script("user"), department=script("dept")
    )
    certify(boss, course)
    for network, handle in (("x", "boss_on_x"), ("linkedin", "boss_in")):
        assert connect(client, network, handle=handle).status_code == 303
    campaign = campaigns.create_campaign(
        db.session,
        campaigns.CampaignInput(
            name=script("campaign"),
            goal=script("goal"),
            starts_on=clock.now().date(),
            ends_on=None,
        ),
        boss,
    )
    item = make_item(
        title=script("title"),
        campaign_id=campaign.id,
        summary=script("summary"),
        captions={"x": script("suggested"), "linkedin": script("suggested")},
    )
    add_term("acquisition", severity="flagged", category="needs review")
    lexicon.add_term(db.session, script("term"), "blocked", script("cat"), boss)
    share_x, share_in = shares.create_shares(
        db.session,
        app.config,
        boss,
        item.id,
        {"x": script("caption"), "linkedin": "acquisition " + script("review")},
        None,
    )
    publishing.publish(db.session, app.config, share_x, networks.connectors_of(app))
    assert (share_x.status, share_in.status) == ("published", "in review")
    engage.create_ask(
        db.session,
        engage.AskInput(
            post_url="https://x.com/chorus/status/1234567890",
            actions=["like"],
            message=script("ask"),
            expires_at=clock.now() + timedelta(days=3),
            campaign_id=campaign.id,
        ),
        boss,
    )
    return {
        "item_id": item.id,
        "campaign_id": campaign.id,
        "share_id": share_x.id,
        "slug": course.course.slug,
        "position": 1,
        "number": db.session.scalars(db.select(Certification.number)).first(),
        "user_id": boss.id,
        "code": share_x.link_code,
    }


# Where each text must be shown (escaped): page -> the sources it shows.
EXPECTED = {
    "/content": ["title", "campaign"],
    "/content/items/{item_id}": ["title", "summary", "suggested", "campaign"],
    "/content/items/{item_id}/edit": ["title", "summary", "suggested"],
    "/content/campaigns/{campaign_id}": ["campaign", "goal", "title"],
    "/content/reviews": ["review", "user"],
    "/content/asks": ["ask"],
    "/feed": ["title", "ask"],
    "/feed/items/{item_id}/share": ["title", "suggested"],
    "/shares": ["title", "caption"],
    "/admin/users": ["user", "dept"],
    "/admin/users/{user_id}": ["user"],
    "/admin/departments": ["dept"],
    "/admin/compliance": ["term", "cat"],
    "/admin/archive": ["caption", "user"],
    "/training/{slug}/modules/1": ["markdown"],
    "/certificates/{number}": ["user"],
    "/verify/{number}": ["user"],
    "/training/status": ["user", "dept"],
    "/dashboards/campaigns/{campaign_id}": ["campaign"],
}


def html_pages(app, client, ids):
    """(url, html) of every GET route that answers with a page."""
    for endpoint, method, url in routes_with(app, ids):
        if method != "GET" or endpoint in ("static", "links.follow"):
            continue
        with client.get(url) as response:
            if response.mimetype == "text/html":
                yield url, response.status_code, response.get_data(as_text=True)


def test_no_page_carries_typed_markup_live(app, client, hostile):
    stranger = app.test_client()
    pages = [*html_pages(app, client, hostile), *html_pages(app, stranger, hostile)]

    problems = [f"{url}: {live!r}" for url, _status, page in pages for live in LIVE if live in page]
    assert problems == []
    assert all(status < 500 for _, status, _ in pages)
    assert len(pages) > 40


def test_each_page_shows_what_was_typed_as_text(app, client, hostile):
    missing = []
    for path, sources in EXPECTED.items():
        url = path.format(**hostile)
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        missing += [f"{url}: {source}" for source in sources if shown(source) not in page]
    assert missing == []


def test_dashboard_charts_carry_names_as_json_escapes(app, client, hostile):
    """Chart data sits in <script type="application/json">: "<" is written \\u003c there."""
    page = client.get(f"/dashboards/campaigns/{hostile['campaign_id']}").get_data(as_text=True)
    assert "<script>alert(" not in page
    assert "\\u003cscript\\u003ealert(campaign)" in page or shown("campaign") in page


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "<img src=x onerror=alert(1)>",
        '![x](x" onerror="alert(1))',
        '<iframe src="https://evil.example"></iframe>',
        "<a href='https://evil.example' onclick='alert(1)'>x</a>",
        "<svg onload=alert(1)>",
        "<style>body{display:none}</style>",
    ],
)
def test_course_markdown_is_rendered_inert(markdown):
    """Only the sanitizer's tags survive, with no event handlers and only web or mail links."""
    tags = TagCollector()
    tags.feed(str(render_markdown(markdown)))

    assert {tag for tag, _ in tags.found} <= {"p", "a", "code", "em", "strong"}
    for _tag, attrs in tags.found:
        assert not [name for name, _ in attrs if name.startswith("on") or name in ("src", "style")]
        for name, value in attrs:
            if name == "href":
                assert value.startswith(("https://", "http://", "mailto:")), value


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))
