"""Object-level access: someone else's share, certificate, attempt, account or item,
reached by changing an id in the address or a form, is "not found" (or refused) and the
database is left exactly as it was. Each refusal has a control: the same request by the
person it belongs to goes through, so a refusal cannot pass by pointing at nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from advocacy.authz import PUBLIC, SIGNED_IN, access_of
from advocacy.extensions import Base, db
from advocacy.models import Share
from advocacy.models.shares import IN_REVIEW
from advocacy.services import certificates
from tests.access_world import World, build_world
from tests.conftest import all_routes, csrf_token, post_form, sign_in
from tests.training.conftest import answers, certify


@dataclass(frozen=True)
class Probe:
    """One request at an object that is not the requester's."""

    what: str
    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    refused: tuple[int, ...] = (404,)
    says: str | None = None  # what the refusal tells the requester, when it is not a 404
    owner: str = "other"  # who may do it: "other" (Olive, the owner), "marketer" or "admin"
    control: bool = True  # False where no one may: the object is proven real elsewhere


SHARE_NOW = {"on_x": "y", "caption_x": "Look at this", "share_now": "Share now"}

EMPLOYEE_PROBES = [
    Probe("cancel her scheduled share", "POST", lambda w: f"/shares/{w.scheduled.id}/cancel"),
    Probe("cancel her flagged share", "POST", lambda w: f"/shares/{w.in_review.id}/cancel"),
    Probe("retry her failed share", "POST", lambda w: f"/shares/{w.failed.id}/retry"),
    Probe("open her certificate", "GET", lambda w: f"/certificates/{w.certificate.number}"),
    Probe("open her attempt", "GET", lambda w: f"/training/attempts/{w.open_attempt.id}"),
    Probe(
        "answer her attempt",
        "POST",
        lambda w: f"/training/attempts/{w.open_attempt.id}",
        lambda w: answers(w.open_attempt.id, right=4),
    ),
    Probe(
        "finish her LinkedIn sign-in",
        "GET",
        lambda w: f"/networks/linkedin/callback?state={w.oauth_state}&code=abc",
        refused=(400,),
        says="This connection attempt is unknown or too old",
    ),
    Probe(
        "disconnect her X account",  # only ever one's own: there is nothing to disconnect
        "POST",
        lambda w: "/networks/x/disconnect",
        refused=(303,),
        control=False,
    ),
    Probe(
        "open a draft to share",
        "GET",
        lambda w: f"/feed/items/{w.draft_item.id}/share",
        control=False,  # no one shares a draft; "open a draft" below proves it is there
    ),
    Probe(
        "share a draft",
        "POST",
        lambda w: f"/feed/items/{w.draft_item.id}/share",
        lambda w: SHARE_NOW,
        control=False,
    ),
    Probe(
        "open another department's item to share",
        "GET",
        lambda w: f"/feed/items/{w.targeted_item.id}/share",
    ),
    Probe(
        "share another department's item",
        "POST",
        lambda w: f"/feed/items/{w.targeted_item.id}/share",
        lambda w: SHARE_NOW | {"check": "Check"},
    ),
    Probe(
        "see a draft's image",
        "GET",
        lambda w: f"/media/{w.draft_item.image_name}",
        owner="marketer",
    ),
    Probe(
        "see the image of another department's item",
        "GET",
        lambda w: f"/media/{w.targeted_item.image_name}",
    ),
    Probe(
        "revoke her certificate",
        "POST",
        lambda w: f"/certificates/{w.certificate.number}/revoke",
        lambda w: {"reason": "zq7 because"},
        refused=(403,),
        owner="admin",
    ),
    Probe(
        "review her flagged share",
        "POST",
        lambda w: f"/content/reviews/{w.in_review.id}",
        lambda w: {"approve": "Approve"},
        refused=(403,),
        owner="marketer",
    ),
    Probe(
        "close an engage ask",
        "POST",
        lambda w: f"/content/asks/{w.ask.id}/close",
        refused=(403,),
        owner="marketer",
    ),
    Probe(
        "approve a draft",
        "POST",
        lambda w: f"/content/items/{w.draft_item.id}/approve",
        refused=(403,),
        owner="marketer",
    ),
    Probe(
        "open a draft",
        "GET",
        lambda w: f"/content/items/{w.draft_item.id}",
        refused=(403,),
        owner="marketer",
    ),
    *(
        Probe(
            f"{action} a draft",
            "POST",
            lambda w, action=action: f"/content/items/{w.draft_item.id}/{action}",
            refused=(403,),
            owner="marketer",
        )
        for action in ("edit", "submit", "send-back", "archive")  # archiving last
    ),
    Probe(
        "edit a campaign",
        "POST",
        lambda w: f"/content/campaigns/{w.campaign.id}",
        lambda w: {"name": "zq7 renamed", "starts_on": "2026-01-01"},
        refused=(403,),
        owner="marketer",
    ),
]

MARKETER_PROBES = [  # a marketer who is also an employee, against the admin's objects
    Probe(
        "revoke her certificate",
        "POST",
        lambda w: f"/certificates/{w.certificate.number}/revoke",
        lambda w: {"reason": "zq7 because"},
        refused=(403,),
        owner="admin",
    ),
    Probe(
        "grant her an extra attempt",
        "POST",
        lambda w: f"/training/{w.course_slug}/people/{w.other.id}/extra-attempt",
        refused=(403,),
        owner="admin",
    ),
    Probe(
        "remove a lexicon term",
        "POST",
        lambda w: f"/admin/compliance/terms/{w.term_id}/remove",
        refused=(403,),
        owner="admin",
    ),
    Probe(
        "deactivate her",
        "POST",
        lambda w: f"/admin/users/{w.other.id}/deactivate",
        refused=(403,),
        owner="admin",
    ),
    Probe(
        "make her an admin",
        "POST",
        lambda w: f"/admin/users/{w.other.id}",
        lambda w: {"email": w.other.email, "name": "Olive", "roles": ["employee", "admin"]},
        refused=(403,),
        owner="admin",
    ),
    Probe(
        "send her a new invitation",
        "POST",
        lambda w: f"/admin/users/{w.other.id}/invite",
        refused=(403,),
        owner="admin",
    ),
    Probe("cancel her scheduled share", "POST", lambda w: f"/shares/{w.scheduled.id}/cancel"),
    Probe("open her attempt", "GET", lambda w: f"/training/attempts/{w.open_attempt.id}"),
]

PROBES = {"certified employee": EMPLOYEE_PROBES, "marketer": MARKETER_PROBES}
# Routes with arguments that name no object of one person, or none worth a cross-user try:
# the route matrix (tests/test_access.py) still runs each of them for every role.
NOT_OWNED = {
    "static": "files of the app",
    "assets.plotly_js": "files of the app",
    "assets.plotly_css": "files of the app",
    "auth.reset_password": "the token is the credential (tests/auth)",
    "auth.accept_invitation": "the token is the credential (tests/auth)",
    "links.follow": "public by design: the code is in the published post",
    "training.verify": "public by design: test_verification_shows_only_validity",
    "training.course": "one course for everyone; progress is the signed-in person's",
    "training.module": "one course for everyone; progress is the signed-in person's",
    "training.start_attempt": "starts the signed-in person's own attempt",
    "networks.connect": "starts the signed-in person's own sign-in",
    "dashboards.campaign": "every reader reads every campaign",
    "dashboards.export": "a table's name; every reader reads every table",
}


def database() -> dict[str, list[str]]:
    """Every row of every table, to compare before and after."""
    db.session.expire_all()
    with db.engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _request(client, world: World, probe: Probe):
    data = probe.data(world) if probe.data else {}
    if probe.method == "POST":
        data = {"csrf_token": csrf_token(client), **data}
    with client.open(probe.path(world), method=probe.method, data=data or None) as response:
        return response, response.get_data().decode("utf-8", "replace")


def _refused(response) -> bool:
    return response.status_code in (401, 403, 404) or (
        response.status_code == 302 and "/login" in response.headers["Location"]
    )


def _signed_in(app: Flask, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


@pytest.fixture
def world(app, make_user, tmp_path) -> World:
    return build_world(app, make_user, tmp_path)


@pytest.mark.parametrize("attacker", list(PROBES))
def test_another_persons_objects_are_refused_and_left_alone(app, world, make_user, attacker):
    roles = ("employee",) if attacker == "certified employee" else ("marketer", "employee")
    mallory = make_user("mallory@example.com", name="Mallory", roles=roles)
    if attacker == "certified employee":
        certify(mallory, world.certificate.version)
    client = _signed_in(app, mallory.email)
    problems = []
    for probe in PROBES[attacker]:
        before = database()
        response, body = _request(client, world, probe)
        if response.status_code not in probe.refused:
            problems.append(f"{probe.what}: {response.status_code}")
        if probe.says and probe.says not in body:
            problems.append(f"{probe.what}: not told {probe.says!r}")
        if changed := changes(before, database()):
            problems.append(f"{probe.what}: changed {changed}")
    assert problems == []

    # The controls: the same requests by the people they belong to go through.
    make_user("ada@example.com", name="Ada Admin", roles=("admin",))
    owners = {
        "other": _signed_in(app, world.other.email),
        "marketer": _signed_in(app, world.marketer.email),
        "admin": _signed_in(app, "ada@example.com"),
    }
    # The admin's last (revoking or deactivating Olive would stop her own requests), the
    # marketer's first (her cancelling the flagged share would leave nothing to review).
    order = {"marketer": 0, "other": 1, "admin": 2}
    for probe in sorted(PROBES[attacker], key=lambda a: order[a.owner]):
        if not probe.control:
            continue
        response, body = _request(owners[probe.owner], world, probe)
        if _refused(response) or (probe.says and probe.says in body):
            problems.append(f"{probe.what}, by {probe.owner}: {response.status_code}")
    assert problems == []


def test_every_route_that_names_an_object_is_tried_by_someone_else(app, world):
    """A new route taking an id must join PROBES (or say in NOT_OWNED why not)."""
    adapter = app.url_map.bind("localhost")
    tried = {
        adapter.match(probe.path(world).split("?")[0], method=probe.method)[0]
        for probes in PROBES.values()
        for probe in probes
    }
    named = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if set(rule.arguments) - {"change", "kind"}
    }
    assert named - tried - set(NOT_OWNED) == set()
    assert tried & set(NOT_OWNED) == set()


def test_an_executive_changes_nothing(app, client, world, login_as):
    """Every form of every page, on real objects: refused, and the database as it was."""
    login_as("executive")
    before = database()
    refused = []
    for endpoint, method, url in all_routes(app, world.ids(), world.endpoint_ids()):
        if method != "POST" or access_of(app, endpoint) in (PUBLIC, SIGNED_IN):
            continue  # signing in and out, passwords, one's own account: everyone's
        response = client.post(url, data={"csrf_token": csrf_token(client)})
        refused.append((url, response.status_code))
    assert {status for _url, status in refused} == {403}, refused
    assert changes(before, database()) == []


def test_verification_shows_only_validity(app, client, world, make_user):
    """The public page says whether a certificate is valid, never whose it is or why not."""
    page = client.get(f"/verify/{world.certificate.number}").get_data(as_text=True)
    assert "Valid. This certificate for “Test course” is valid until" in page
    hers = ("Olive", "zq7mail", "Secret department", "zq7handle", world.other.email)
    assert [part for part in hers if part in page] == []

    admin = make_user("ada@example.com", roles=("admin",))
    certificates.revoke(db.session, world.certificate, actor=admin, reason="zq7reason leaked")
    page = client.get(f"/verify/{world.certificate.number}").get_data(as_text=True)
    assert "Not valid (revoked)." in page
    assert [part for part in (*hers, "zq7reason") if part in page] == []


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("certified employee", {"live"}),
        ("Secret department", {"live", "targeted"}),
        ("employee", set()),  # not certified: no feed, so no pictures from it
        ("executive", set()),
        ("marketer", {"live", "targeted", "draft"}),
    ],
)
def test_an_image_is_shown_to_those_who_see_its_item(app, world, make_user, who, shown):
    roles = {"certified employee": ("employee",), "Secret department": ("employee",)}
    person = make_user(
        roles=roles.get(who, (who,)),
        department="Secret department" if who == "Secret department" else None,
    )
    if who in roles:
        certify(person, world.certificate.version)
    client = _signed_in(app, person.email)
    items = {"live": world.live_item, "targeted": world.targeted_item, "draft": world.draft_item}
    served = {}
    for label, item in items.items():
        with client.get(f"/media/{item.image_name}") as response:
            served[label] = response.status_code
            if response.status_code == 200:
                assert response.mimetype == "image/png"
                assert response.cache_control.private and not response.cache_control.public
    assert served == {label: 200 if label in shown else 404 for label in items}


def test_a_marketer_cannot_clear_her_own_flagged_share(app, world, make_user):
    mark = make_user("mark@example.com", roles=("marketer", "employee"))
    own = Share(
        user_id=mark.id,
        content_item_id=world.live_item.id,
        network="x",
        text="Mine #employee",
        status=IN_REVIEW,
        scheduled_for=world.live_item.starts_at,
        idempotency_key="key-mark",
        link_code="code-mark",
    )
    db.session.add(own)
    db.session.commit()
    client = _signed_in(app, mark.email)
    before = database()

    response = post_form(client, f"/content/reviews/{own.id}", {"approve": "Approve"})

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Someone else must review your own share." in page
    assert changes(before, database()) == []
