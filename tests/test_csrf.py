"""Every state change needs the form's CSRF token: without it, 400 and nothing changes."""

from sqlalchemy import func, select

from advocacy.extensions import db
from advocacy.models import AuditEvent, User
from tests.conftest import CSRF_RE, TARGET_USER_PATH, all_routes


def _state() -> tuple:
    users = db.session.execute(select(User.email, User.active, User.password_hash)).all()
    return sorted(users), db.session.scalar(select(func.count(AuditEvent.id)))


def test_every_post_route_refuses_a_missing_token(app, client, login_as, make_user):
    target = make_user("target@example.com")
    login_as("admin")
    before = _state()
    posts = [(url, endpoint) for endpoint, method, url in all_routes(app) if method == "POST"]
    assert posts, "the app has forms"
    for url, _endpoint in posts:
        url = url.replace(TARGET_USER_PATH, f"/users/{target.id}")
        response = client.post(
            url,
            data={
                "email": "x@example.com",
                "password": "whatever-123",
                "name": "Changed",
                "roles": ["admin"],
            },
        )
        assert response.status_code == 400, url
        assert "expired or did not come from Chorus" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _state() == before


def test_a_token_from_another_session_is_refused(app, make_user):
    user = make_user("someone@example.com")
    attacker = app.test_client()
    stolen = CSRF_RE.search(attacker.get("/login").get_data(as_text=True)).group(1)
    victim = app.test_client()
    response = victim.post(
        "/login",
        data={"csrf_token": stolen, "email": user.email, "password": "correct horse battery"},
    )
    assert response.status_code == 400
