"""Links in mail come from CHORUS_BASE_URL, never from the request's Host header."""

from sqlalchemy import select

from advocacy.extensions import db
from advocacy.models import OutboxMessage
from tests.conftest import CSRF_RE


def test_reset_link_ignores_a_forged_host_header(app, client, make_user):
    app.config["BASE_URL"] = "https://chorus.example.com"
    user = make_user("victim@example.com")
    evil = {"base_url": "http://evil.example"}
    token = CSRF_RE.search(client.get("/reset", **evil).get_data(as_text=True)).group(1)
    response = client.post("/reset", data={"csrf_token": token, "email": user.email}, **evil)
    assert response.status_code == 303
    body = db.session.scalars(select(OutboxMessage.body)).one()
    assert "https://chorus.example.com/reset/" in body
    assert "evil.example" not in body
