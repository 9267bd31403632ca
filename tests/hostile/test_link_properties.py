"""The tracked link `/s/<code>`, the one public page: whatever a stranger sends, the answer is
a 404 or the redirect to the share's own target, and each followed redirect is one click."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from advocacy.extensions import db
from advocacy.models import Click
from advocacy.services import clicks
from tests.hostile.conftest import WITH_APP

HUMAN = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
EVIL = ["//evil.example", "https://evil.example", "\\\\evil.example", "%2F%2Fevil.example", "@evil"]
QUERIES = st.sampled_from(
    ["", "next=https://evil.example", "url=//evil.example", "a=%00", "utm_source=x&x=\u202e", "="]
)
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
)


def click_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Click.id)))


@st.composite
def codes(draw, real: str) -> tuple[str, bool]:
    """A code to send, and whether it is the real one (everything else must be a 404)."""
    kind = draw(st.sampled_from(["real", "text", "mutated", "evil"]))
    if kind == "real":
        return real, True
    if kind == "text":
        code = draw(st.text(max_size=40))
    elif kind == "mutated":
        code = draw(
            st.sampled_from(
                [
                    real.swapcase(),
                    real[:-1],
                    real + draw(st.text(min_size=1, max_size=3)),
                    draw(st.text(min_size=1, max_size=3)) + real,
                    real + "/",
                    real + "%00",
                    " " + real,
                    real.replace(real[0], "\u0430", 1),  # a Cyrillic a
                ]
            )
        )
    else:
        code = draw(st.sampled_from(EVIL)) + draw(st.sampled_from(["", "/" + real]))
    return code, code == real


@WITH_APP
@given(data=st.data(), query=QUERIES, method=st.sampled_from(["GET", "HEAD"]))
@example(data=None, query="next=https://evil.example", method="GET")
def test_any_code_is_a_404_or_the_shares_own_redirect(app, published, data, query, method):
    expected = clicks.target_for(db.session, published.link_code).url
    code, real = data.draw(codes(published.link_code)) if data else (published.link_code, True)
    agent = data.draw(HEADER_TEXT) if data else HUMAN
    referrer = data.draw(HEADER_TEXT) if data else "https://evil.example/page"
    path = "/s/" + (quote(code, safe="/%") if data else code)
    before = click_count()

    visitor = FlaskClient(app, app.response_class)  # a stranger: no session
    response = visitor.open(
        path + (f"?{query}" if query else ""),
        method=method,
        headers={"User-Agent": agent, "Referer": referrer},
    )

    if real and "%00" in query:  # NUL is refused everywhere, before the link is looked up
        assert response.status_code == 400
        assert click_count() == before
    elif real:
        assert response.status_code == 302
        assert response.headers["Location"] == expected
        assert click_count() == before + (method == "GET")
    else:
        assert response.status_code in (400, 404, 308), (path, response.status_code)
        assert response.status_code == 308 or "Location" not in response.headers
        if response.status_code == 308:  # werkzeug merging "//": same site, still /s/
            location = urlsplit(response.headers["Location"])
            assert location.netloc in ("", "localhost") and location.path.startswith("/s/")
        assert click_count() == before


@WITH_APP
@given(visits=st.lists(st.tuples(st.sampled_from(["GET", "HEAD"]), HEADER_TEXT), max_size=6))
def test_every_followed_redirect_is_one_click_however_it_looks(app, published, visits):
    """Bots, empty agents and odd referrers are kept too (and flagged), so that the count of
    raw clicks is exactly the number of redirects followed."""
    before = click_count()
    for method, header in visits:
        visitor = FlaskClient(app, app.response_class)
        response = visitor.open(
            f"/s/{published.link_code}",
            method=method,
            headers={"User-Agent": header, "Referer": "http://" + header},
        )
        assert response.status_code == 302
    assert click_count() == before + sum(method == "GET" for method, _ in visits)


def test_a_referrer_with_a_nul_is_not_kept_and_the_click_counts(app, published):
    """urlsplit keeps control characters in the host; PostgreSQL refused the insert (500)."""
    visitor = FlaskClient(app, app.response_class)

    response = visitor.get(
        f"/s/{published.link_code}", headers={"User-Agent": HUMAN, "Referer": "http://a\x00b.com/"}
    )

    assert response.status_code == 302
    db.session.expire_all()
    [click] = db.session.scalars(select(Click))
    assert click.referrer_host is None
