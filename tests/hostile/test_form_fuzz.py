"""Every form Chorus accepts, sent hostile input by someone allowed to use it.

Driven by the URL map, so a route added later is fuzzed too: each POST route gets the
fields of every form on Chorus's pages that posts to it (or, for a form no page shows, a
few usual names), filled with malformed, oversized, wrong-typed and Unicode-edge values.
The answer is never a server error; a refusal is a 4xx page, or a redirect to a page with
an error message, that says what is wrong, and it leaves every table as it was.
"""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from advocacy import clock
from advocacy.authz import PUBLIC, access_of
from advocacy.extensions import db
from advocacy.models import Certification, LexiconTerm
from advocacy.services import engage, networks, publishing, shares
from tests.conftest import SAMPLE_ARGS, all_routes, csrf_token, post_form, sign_in
from tests.content.test_share_flow import all_shares, share_now
from tests.hostile.conftest import changed_tables, database_state
from tests.networks.test_connect import connect
from tests.sharing import add_term
from tests.training.conftest import certify, read_modules, start_attempt, started_attempt_id

EVERY_ROLE = ("admin", "marketer", "employee", "executive")
# Actions that take away what the rest needs (the session, the certificate, the account on
# X): fuzzed after everything else.
LAST = ("networks.disconnect", "training.revoke", "auth.logout")
# Sign-in forms count failed attempts (and audit them) even when they refuse.
COUNTED_EVEN_WHEN_REFUSED = ("login_attempts", "audit_events")
FORMS_THAT_COUNT_ATTEMPTS = ("auth.login", "auth.account")
# Buttons that move on without a message: reading a module again, resuming an attempt.
NAVIGATION = ("training.module", "training.start_attempt")
FALLBACK_FIELDS = ("name", "email", "note", "text", "id")

EDGE = (
    "\u202eevil\u202c"  # right-to-left override
    "e\u0301\u0301\u0301"  # stacked combining marks
    "\U0001f469\u200d\U0001f4bb"  # a ZWJ emoji sequence
    "\U00020000\U0001f600"  # 4-byte characters
    "\u2028\u2029\ufeff\u200b"
    "<script>alert(1)</script>"
)
# (what it is, the value every field gets; a list sends the field several times)
PAYLOADS = [
    ("nothing", None),
    ("empty", ""),
    ("long", "A" * 60_000 + "\U0001f469\u200d\U0001f4bb" * 2_000),
    ("unicode edge", EDGE),
    ("huge number", "9" * 40),
    ("negative", "-1"),
    ("not a number", "1e309"),
    ("bad date", "2024-02-30T25:61"),
    ("last day", "9999-12-31"),
    ("list", ["1", "two", EDGE]),
]
# Fields a payload sets otherwise: a real time zone (the browser fills it in), so that a
# moment is moved across the year's edge.
OVERRIDES = {"last day": {"timezone": "America/Los_Angeles"}}

BUTTON_PAYLOADS = [PAYLOADS[0], PAYLOADS[2], PAYLOADS[-1]]


class FormFinder(HTMLParser):
    """The POST forms of a page: action path -> field names (buttons and inputs alike)."""

    def __init__(self, page_path: str, method: str = "post") -> None:
        super().__init__()
        self.page_path = page_path
        self.method = method
        self.forms: dict[str, set[str]] = {}
        self.current: set[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == self.method:
            action = urlsplit(attrs.get("action") or self.page_path).path
            self.current = self.forms.setdefault(action, set())
        elif self.current is not None and tag in ("input", "select", "textarea", "button"):
            if attrs.get("name"):
                self.current.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


@pytest.fixture
def world(app, client, login_as, make_user, make_item, course):
    """One person with every role, certified and connected, and one of everything an id in
    a URL can point at."""
    boss = login_as(*EVERY_ROLE, email="boss@example.com", department="Sales")
    read_modules(client)
    attempt_id = started_attempt_id(start_attempt(client))
    certify(boss, course)
    for network, handle in (("x", "boss_on_x"), ("linkedin", "boss_in")):
        assert connect(client, network, handle=handle).status_code == 303
    item = make_item()
    captions = {"linkedin": "Look"}  # X stays open, so the share form can be sent for X
    (share,) = shares.create_shares(db.session, app.config, boss, item.id, captions, None)
    publishing.publish(db.session, app.config, share, networks.connectors_of(app))
    ask = engage.create_ask(
        db.session,
        engage.AskInput(
            post_url="https://x.com/chorus/status/1234567890",
            actions=["like"],
            message="Like it",
            expires_at=clock.now() + timedelta(days=3),
        ),
        boss,
    )
    db.session.add(term := LexiconTerm(term="hush-hush", severity="blocked", category="test"))
    db.session.commit()
    target = make_user("target@example.com", department="Sales")
    number = db.session.scalars(db.select(Certification.number)).first()
    return {
        "user_id": target.id,
        "item_id": item.id,
        "campaign_id": item.campaign_id,
        "share_id": share.id,
        "ask_id": ask.id,
        "term_id": term.id,
        "attempt_id": attempt_id,
        "position": 1,
        "slug": course.course.slug,
        "number": number,
        "code": share.link_code,
    }


def routes_with(app: Flask, ids: dict) -> list[tuple[str, str, str]]:
    """all_routes, with each URL's arguments pointing at the world's rows."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            args = {name: ids.get(name, SAMPLE_ARGS.get(name, 1)) for name in rule.arguments}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, app.url_for(rule.endpoint, **args)))
    assert {(e, m) for e, m, _ in found} == {(e, m) for e, m, _ in all_routes(app)}
    return found


def forms_on_pages(client, routes, method: str = "post") -> dict[str, set[str]]:
    """The forms of every page, by the path they send to: their field names."""
    forms: dict[str, set[str]] = {}
    for endpoint, route_method, url in routes:
        if route_method != "GET" or endpoint in ("static", "links.follow", "auth.logout"):
            continue
        with client.get(url) as response:
            if response.mimetype != "text/html" or response.status_code != 200:
                continue
            finder = FormFinder(urlsplit(url).path, method)
            finder.feed(response.get_data(as_text=True))
            for action, names in finder.forms.items():
                forms.setdefault(action, set()).update(names)
    return forms


def form_data(fields, value, token: str, what: str = "") -> dict:
    """Every field set to `value`; the CSRF token (a prefixed form has its own) kept right."""
    data = {name: value for name in fields} if value is not None else {}
    data.update({k: v for k, v in OVERRIDES.get(what, {}).items() if k in fields})
    for name in [*fields, "csrf_token"]:
        if name.endswith("csrf_token"):
            data[name] = token
    return data


ERROR_MARKERS = ('class="form-errors"', 'class="field-errors"', "flash-error", "error-page")


def explained(page: str) -> bool:
    return any(marker in page for marker in ERROR_MARKERS)


EXPIRED = "This form expired"


def fuzz(client, posts, forms) -> tuple[list[str], int]:
    """Send every payload to every route; the problems seen, and how many were refused."""
    problems, refused, token = [], 0, csrf_token(client)
    for endpoint, url in posts:
        on_page = forms.get(urlsplit(url).path, set())
        tokens = {name for name in on_page if name.endswith("csrf_token")}
        # A button (a form with only its token) gets a few stray fields, not every payload.
        payloads = PAYLOADS if on_page - tokens else BUTTON_PAYLOADS
        fields = (on_page - tokens or set(FALLBACK_FIELDS)) | tokens
        skip = COUNTED_EVEN_WHEN_REFUSED if endpoint in FORMS_THAT_COUNT_ATTEMPTS else ()
        after = database_state(skip)
        for what, value in payloads:
            before = after  # what the last request left is what this one starts from
            response = client.post(url, data=form_data(fields, value, token, what))
            status, page = response.status_code, response.get_data(as_text=True)
            if status == 400 and EXPIRED in page:  # a new session (signed out): a new token
                token = csrf_token(client)
                response = client.post(url, data=form_data(fields, value, token, what))
                status, page = response.status_code, response.get_data(as_text=True)
            after = database_state(skip)
            where = f"POST {url} ({endpoint}) with {what}"
            if status >= 500:
                problems.append(f"{where}: {status}")
                continue
            if status in (302, 303):
                if urlsplit(response.headers["Location"]).netloc not in ("", "localhost"):
                    continue  # sent to a network's sign-in page (connect)
                with client.session_transaction() as session:  # what the next page shows
                    flashes = session.pop("_flashes", [])
                page = " ".join(f"flash-{category}" for category, _ in flashes)
                if "flash-error" not in page:
                    said = flashes or endpoint in NAVIGATION
                    if not said and not changed_tables(before, after):
                        problems.append(f"{where}: redirected, nothing done and nothing said")
                    continue  # accepted
            elif status < 400:
                problems.append(f"{where}: {status} without a redirect")
                continue
            refused += 1
            if not explained(page):
                problems.append(f"{where}: {status} with no message saying why")
            if changed := changed_tables(before, after):
                problems.append(f"{where}: refused ({status}) but changed {changed}")
    return problems, refused


def test_every_form_refuses_hostile_input_cleanly(app, client, world):
    routes = routes_with(app, world)
    public = [(e, u) for e, m, u in routes if m == "POST" and access_of(app, e) == PUBLIC]
    stranger = app.test_client()
    public_forms = forms_on_pages(stranger, routes)
    problems, refused = fuzz(stranger, public, public_forms)

    forms = forms_on_pages(client, routes)
    # The fields come from the pages: if a page stops showing its form, say so.
    assert {"email", "name", "department", "roles"} <= forms["/admin/users/new"]
    assert {"caption_x", "url", "title", "image"} <= forms["/content/items/new"]
    assert {"caption_x", "on_x", "when"} <= forms[f"/feed/items/{world['item_id']}/share"]
    assert {"email", "password"} <= public_forms["/login"]
    posts = sorted(
        ((e, u) for e, m, u in routes if m == "POST" and (e, u) not in public),
        key=lambda route: route[0] in LAST,
    )
    more_problems, more_refused = fuzz(client, posts, forms)

    problems += more_problems
    assert not problems, "\n".join(problems)
    assert refused + more_refused > len(public + posts)  # most hostile input is refused


def test_bodies_that_are_not_a_form_are_refused(app, client, world):
    """Chorus has no JSON endpoint (no view reads request.get_json): a JSON body sent to any
    POST route is a clear 400, and a body over the size limit a 413; neither writes."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    problems = []
    for endpoint, method, url in routes_with(app, world):
        if method != "POST" or endpoint in LAST:
            continue
        token = csrf_token(client)
        sent = [
            (400, {"data": json.dumps({"csrf_token": token, "name": ["x"], "id": -1})}),
            (413, {"data": {"csrf_token": token, "name": "x" * (limit + 1)}}),
        ]
        for expected, body in sent:
            before = database_state(COUNTED_EVEN_WHEN_REFUSED)
            if expected == 400:
                response = client.post(url, content_type="application/json", **body)
            else:
                response = client.post(url, **body)
            page = response.get_data(as_text=True)
            if response.status_code != expected or not explained(page):
                problems.append(f"POST {url}: {response.status_code}, not {expected}")
            if expected == 413 and "larger than Chorus accepts" not in page:
                problems.append(f"POST {url}: the 413 does not say the request is too large")
            if changed := changed_tables(before, database_state(COUNTED_EVEN_WHEN_REFUSED)):
                problems.append(f"POST {url}: changed {changed}")
    assert problems == []


def test_a_review_note_too_long_is_refused_with_a_message(
    app, client, sharer, make_item, make_user
):
    """Found by the fuzzer: the review form's note errors were never shown, so a marketer
    pressing Approve with a long note was sent back with nothing done and nothing said."""
    add_term("acquisition", severity="flagged", category="needs review")
    share_now(client, make_item().id, x="Thoughts on the acquisition")
    (share,) = all_shares()
    marketing = app.test_client()
    sign_in(marketing, make_user("rita@example.com", roles=("marketer",)).email)

    response = post_form(
        marketing, f"/content/reviews/{share.id}", {"approve": "Approve", "note": "n" * 401}
    )

    page = marketing.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash-error" in page and "longer than 400 characters" in page
    assert all_shares()[0].status == "in review"


def test_every_search_and_filter_form_copes_with_hostile_input(app, client, world):
    """The GET forms (searches, dashboard filters) with the same values in the query string:
    a page (the filter ignored or explained), never a server error; and nothing written."""
    forms = forms_on_pages(client, routes_with(app, world), method="get")
    assert {"q", "role", "department", "status"} <= forms["/admin/users"]
    assert len(forms) >= 6
    problems = []
    before = database_state()
    for path, fields in sorted(forms.items()):
        for what, value in PAYLOADS:
            if value is None:
                continue
            query = form_data(fields, value, "", what)
            query.pop("csrf_token")
            if what == "long":  # a URL that long is refused by any proxy; keep it plausible
                query = {name: value[:3000] for name in fields}
            with client.get(path, query_string=query) as response:
                page = response.get_data(as_text=True)
                if response.status_code >= 500:
                    problems.append(f"GET {path} with {what}: {response.status_code}")
                elif response.status_code >= 400 and not explained(page):
                    problems.append(f"GET {path} with {what}: {response.status_code}, unexplained")
    assert problems == []
    assert changed_tables(before, database_state()) == []


class FormDefaults(HTMLParser):
    """What a browser would send from each POST form as the page shows it: action path ->
    [(field name, input type, value)], ticked boxes and selected options only."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str, str]]] = {}
        self.current: list | None = None
        self.select: tuple[str, list[str], list[str]] | None = None  # name, options, chosen
        self.textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "option" and self.select is not None:
            self.select[1].append(attrs.get("value") or "")
            if "selected" in attrs:
                self.select[2].append(attrs.get("value") or "")
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = self.forms.setdefault(attrs.get("action") or "", [])
        elif self.current is None or not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "file"):
            kind = attrs.get("type") or "text"
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.current.append((attrs["name"], kind, attrs.get("value") or ""))
            elif kind == "checkbox":
                self.current.append((attrs["name"], "unticked", ""))
        elif tag == "select":
            self.select = (attrs["name"], [], [])
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None and self.current is not None:
            name, options, chosen = self.select
            for value in chosen or options[:1]:
                self.current.append((name, "select", value))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.current is not None:
            self.current.append((self.textarea[0], "textarea", self.textarea[1].lstrip("\r\n")))
            self.textarea = None


HOSTILE_BY_TYPE = {
    "date": "9999-12-31",
    "datetime-local": "9999-12-31T23:59",
    "number": "9" * 40,
    "select": "9" * 40,
    "unticked": "not-a-choice",
    "checkbox": "not-a-choice",
    "radio": "not-a-choice",
}
ZONES = {"9999-12-31T23:59": "America/Los_Angeles"}


def test_each_field_alone_gets_a_hostile_value_in_an_otherwise_good_form(app, client, world):
    """The form as the page fills it, with one field at a time made hostile, so that the
    value reaches the code behind the form's own checks (dates moved across a time zone to
    year 10000, ids and choices that do not exist, long Unicode text)."""
    routes = routes_with(app, world)
    pages = [u for e, m, u in routes if m == "GET" and e not in ("static", "links.follow")]
    forms: dict[str, list] = {}
    for url in pages:
        with client.get(url) as response:
            if response.mimetype == "text/html" and response.status_code == 200:
                finder = FormDefaults()
                finder.feed(response.get_data(as_text=True))
                for action, fields in finder.forms.items():
                    forms.setdefault(urlsplit(action or url).path, fields)
    posting = {urlsplit(u).path: e for e, m, u in routes if m == "POST"}
    problems = []
    token = csrf_token(client)
    for path, fields in sorted(forms.items()):
        endpoint = posting.get(path)
        if endpoint in LAST or endpoint is None:
            continue
        skip = COUNTED_EVEN_WHEN_REFUSED if endpoint in FORMS_THAT_COUNT_ATTEMPTS else ()
        for index, (name, kind, _value) in enumerate(fields):
            if name.endswith("csrf_token") or kind == "hidden":
                continue
            hostile = HOSTILE_BY_TYPE.get(kind, EDGE * 40)
            data = MultiDict(
                [(n, v) for i, (n, k, v) in enumerate(fields) if i != index and k != "unticked"]
            )
            data.setlist(name, [hostile])
            if hostile in ZONES:
                data.setlist("timezone", [ZONES[hostile]])
            for token_name in [n for n in data if n.endswith("csrf_token")] + ["csrf_token"]:
                data.setlist(token_name, [token])
            before = database_state(skip)
            response = client.post(path, data=data)
            where = f"POST {path} with {name}={hostile[:20]!r}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            elif response.status_code >= 400:
                if not explained(response.get_data(as_text=True)):
                    problems.append(f"{where}: {response.status_code}, unexplained")
                if changed := changed_tables(before, database_state(skip)):
                    problems.append(f"{where}: refused but changed {changed}")
            with client.session_transaction() as session:
                session.pop("_flashes", None)
    # What was accepted (a campaign ending in 9999, long Unicode names) still shows.
    for url in pages:
        with client.get(url) as response:
            if response.status_code >= 500:
                problems.append(f"GET {url} afterwards: {response.status_code}")
    assert problems == []
    assert len(forms) > 10


def test_a_share_scheduled_past_the_last_year_is_refused_with_a_message(
    app, client, sharer, make_item
):
    """Found by the fuzzer: 9999-12-31 23:59 in Los Angeles is in the year 10000 in UTC, and
    converting it raised OverflowError (a 500) on the share, item and ask forms."""
    item = make_item()
    before = database_state()

    response = post_form(
        client,
        f"/feed/items/{item.id}/share",
        {
            "on_x": "y",
            "caption_x": "Have a look",
            "schedule": "Schedule",
            "when": "9999-12-31T23:59",
            "timezone": "America/Los_Angeles",
        },
    )

    assert response.status_code == 400
    assert "That date is out of range" in response.get_data(as_text=True)
    assert changed_tables(before, database_state()) == []
