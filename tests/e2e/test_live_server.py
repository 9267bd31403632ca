"""The server the browser and load tests use is the real one, with the demo loaded."""

from __future__ import annotations

import re

import requests


def test_the_live_server_serves_the_demo(live_server):
    session = requests.Session()
    login = session.get(live_server.url("/login"), timeout=5)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.text).group(1)
    response = session.post(
        live_server.url("/login"),
        data={"csrf_token": token, "email": "advocate@example.com", "password": "chorus-demo"},
        timeout=5,
    )
    assert response.status_code == 200
    assert "Launch webinar" in session.get(live_server.url("/feed"), timeout=5).text
