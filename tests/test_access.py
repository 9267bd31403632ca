"""Every route against every role: the URL map is the list, so a new route cannot be missed."""

from __future__ import annotations

import pytest

from advocacy.authz import PUBLIC, SIGNED_IN, access_of, has_access, is_gated
from advocacy.models import ROLES
from tests.access_world import build_world, readable, writes_to_the_database
from tests.conftest import all_routes, csrf_token, sign_in
from tests.training.conftest import certify

# "certified" is an employee the gating policy lets share; "employee" is not certified.
WHO = ("anonymous", "no-role", *ROLES, "certified")


def test_every_view_declares_who_may_open_it(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None
    ]
    assert undeclared == []


def test_a_view_without_a_declaration_is_closed(app, login_as):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    login_as("admin")
    response = app.test_client().get("/forgotten")
    assert response.status_code in (302, 403)
    client = app.test_client()
    sign_in(client, "admin-for-forgotten@example.com")  # unknown: stays anonymous
    assert b"secret" not in client.get("/forgotten").data


def _expected_allowed(access, who: str, gated: bool) -> bool:
    if gated:
        return who == "certified"
    if who == "certified":
        who = "employee"
    if access == PUBLIC:
        return True
    if who == "anonymous":
        return False
    if access == SIGNED_IN:
        return True
    return who in access


def _roles_of(who: str) -> tuple[str, ...]:
    return {"anonymous": (), "no-role": (), "certified": ("employee",)}.get(who, (who,))


@pytest.mark.parametrize("who", WHO)
def test_route_matrix(app, client, make_user, who, tmp_path):
    """Each role reaches exactly the routes its roles allow, by GET and by POST, on real
    objects; a refused request writes nothing, and no response shows a role data it may
    not see (access_world.MARKERS)."""
    world = build_world(app, make_user, tmp_path)
    if who != "anonymous":
        user = make_user(f"{who}@example.com", roles=_roles_of(who))
        if who == "certified":
            certify(user, world.certificate.version)
        assert sign_in(client, user.email).status_code == 303
    markers = world.markers()
    hidden = [m for m, seen_by in markers.items() if not seen_by & set(_roles_of(who))]
    unseen = set(markers) - set(hidden)  # what this role may see: it should, somewhere
    routes = all_routes(app, world.ids(), world.endpoint_ids())
    # Pages first, on the world as built; then the forms, which may change it.
    routes.sort(key=lambda route: (route[0] == "auth.logout", route[1] == "POST"))
    problems = []
    for endpoint, method, url in routes:
        access = access_of(app, endpoint)
        data = {"csrf_token": csrf_token(client)} if method == "POST" else None
        with (
            writes_to_the_database() as writes,
            client.open(url, method=method, data=data) as response,
        ):
            shown = readable(response)
        denied = response.status_code in (401, 403) or (
            response.status_code == 302 and "/login" in response.headers["Location"]
        )
        where = f"{method} {url} as {who}"
        if denied == _expected_allowed(access, who, is_gated(app, endpoint)):
            problems.append(f"{where}: {response.status_code}")
        if response.status_code >= 500:
            problems.append(f"{where}: server error")
        if (denied or response.status_code == 404) and writes:
            problems.append(f"{where}: refused with {response.status_code}, but wrote {writes}")
        leaked = [m for m in hidden if m in shown and m not in url]
        if leaked:
            problems.append(f"{where}: shows {leaked}")
        unseen -= {m for m in unseen if m in shown}
    assert problems == []
    assert unseen == set(), f"{who} is never shown these, though allowed: are they stale?"


def test_anonymous_get_is_sent_to_sign_in_and_comes_back(client, make_user):
    response = client.get("/admin/users?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    user = make_user(roles=("admin",))
    login = client.post(
        response.headers["Location"],
        data={
            "csrf_token": csrf_token(client),
            "email": user.email,
            "password": "correct horse battery",
            "next": "/admin/users?q=x",
        },
    )
    assert login.headers["Location"] == "/admin/users?q=x"


@pytest.mark.parametrize(
    ("roles", "access", "allowed"),
    [
        ({"admin"}, frozenset({"admin"}), True),
        ({"employee"}, frozenset({"admin"}), False),
        ({"employee", "marketer"}, frozenset({"marketer"}), True),
        (set(), SIGNED_IN, True),
        (set(), frozenset({"executive"}), False),
    ],
)
def test_has_access_with_stub_users(roles, access, allowed):
    class Stub:
        is_authenticated = True
        is_active = True

        def has_role(self, *names):
            return bool(roles.intersection(names))

    assert has_access(Stub(), access) is allowed


def test_deactivated_or_anonymous_users_have_no_access():
    class Anonymous:
        is_authenticated = False
        is_active = False

    class Deactivated:
        is_authenticated = True
        is_active = False

        def has_role(self, *names):
            return True

    assert has_access(Anonymous(), PUBLIC)
    assert not has_access(Anonymous(), SIGNED_IN)
    assert not has_access(Deactivated(), frozenset({"admin"}))
