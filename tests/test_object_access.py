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

Build = Callable[[World], object]


@dataclass(frozen=True)
class Try:
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

EMPLOYEE_TRIES = [
    Try("cancel her scheduled share", "POST", lambda w: f"/shares/{w.scheduled.id}/cancel"),
    Try("cancel her flagged share", "POST", lambda w: f"/shares/{w.in_review.id}/cancel"),
    Try("retry her failed share", "POST", lambda w: f"/shares/{w.failed.id}/retry"),
    Try("open her certificate", "GET", lambda w: f"/certificates/{w.certificate.number}"),
    Try("open her attempt", "GET", lambda w: f"/training/attempts/{w.open_attempt.id}"),
    Try(
        "answer her attempt",
        "POST",
        lambda w: f"/training/attempts/{w.open_attempt.id}",
        lambda w: answers(w.open_attempt.id, right=4),
    ),
    Try(
        "finish her LinkedIn sign-in",
        "GET",
        lambda w: f"/networks/linkedin/callback?state={w.oauth_state}&code=abc",
        refused=(400,),
        says="This connection attempt is unknown or too old",
    ),
    Try(
        "disconnect her X account",  # only ever one's own: there is nothing to disconnect
        "POST",
        lambda w: "/networks/x/disconnect",
        refused=(303,),
        control=False,
    ),
    Try(
        "open a draft to share",
        "GET",
        lambda w: f"/feed/items/{w.draft_item.id}/share",
        control=False,  # no one shares a draft; "open a draft" below proves it is there
    ),
    Try(
        "share a draft",
        "POST",
        lambda w: f"/feed/items/{w.draft_item.id}/share",
        lambda w: SHARE_NOW,
        control=False,
    ),
    Try(
        "open another department's item to share",
        "GET",
        lambda w: f"/feed/items/{w.targeted_item.id}/share",
    ),
    Try(
        "share another department's item",
        "POST",
        lambda w: f"/feed/items/{w.targeted_item.id}/share",
        lambda w: SHARE_NOW | {"check": "Check"},
    ),
    Try(
        "see a draft's image",
        "GET",
        lambda w: f"/media/{w.draft_item.image_name}",
        owner="marketer",
    ),
    Try(
        "see the image of another department's item",
        "GET",
        lambda w: f"/media/{w.targeted_item.image_name}",
    ),
    Try(
        "revoke her certificate",
        "POST",
        lambda w: f"/certificates/{w.certificate.number}/revoke",
        lambda w: {"reason": "zq7 because"},
        refused=(403,),
        owner="admin",
    ),
    Try(
        "review her flagged share",
        "POST",
        lambda w: f"/content/reviews/{w.in_review.id}",
        lambda w: {"approve": "Approve"},
        refused=(403,),
        owner="marketer",
    ),
    Try(
        "close an engage ask",
        "POST",
        lambda w: f"/content/asks/{w.ask.id}/close",
        refused=(403,),
        owner="marketer",
    ),
    Try(
        "approve a draft",
        "POST",
        lambda w: f"/content/items/{w.draft_item.id}/approve",
        refused=(403,),
        owner="marketer",
    ),
    Try(
        "open a draft",
        "GET",
        lambda w: f"/content/items/{w.draft_item.id}",
        refused=(403,),
        owner="marketer",
    ),
]

MARKETER_TRIES = [  # a marketer who is also an employee, against the admin's objects
    Try(
        "revoke her certificate",
        "POST",
        lambda w: f"/certificates/{w.certificate.number}/revoke",
        lambda w: {"reason": "zq7 because"},
        refused=(403,),
        owner="admin",
    ),
    Try(
        "grant her an extra attempt",
        "POST",
        lambda w: f"/training/{w.course_slug}/people/{w.other.id}/extra-attempt",
        refused=(403,),
        owner="admin",
    ),
    Try(
        "remove a lexicon term",
        "POST",
        lambda w: f"/admin/compliance/terms/{w.term_id}/remove",
        refused=(403,),
        owner="admin",
    ),
    Try(
        "deactivate her",
        "POST",
        lambda w: f"/admin/users/{w.other.id}/deactivate",
        refused=(403,),
        owner="admin",
    ),
    Try(
        "make her an admin",
        "POST",
        lambda w: f"/admin/users/{w.other.id}",
        lambda w: {"email": w.other.email, "name": "Olive", "roles": ["employee", "admin"]},
        refused=(403,),
        owner="admin",
    ),
    Try(
        "send her a new invitation",
        "POST",
        lambda w: f"/admin/users/{w.other.id}/invite",
        refused=(403,),
        owner="admin",
    ),
    Try("cancel her scheduled share", "POST", lambda w: f"/shares/{w.scheduled.id}/cancel"),
    Try("open her attempt", "GET", lambda w: f"/training/attempts/{w.open_attempt.id}"),
]

TRIES = {"certified employee": EMPLOYEE_TRIES, "marketer": MARKETER_TRIES}
# Routes with arguments that name no object of one person, or none worth a cross-user try:
# the route matrix (tests/test_access.py) still runs each of them for every role.
NOT_OWNED = {
    "static": "files of the app",
    "assets.plotly_js": "files of the app",
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
    "content.campaign_edit": "marketers share campaigns: test_an_executive_changes_nothing",
    "content.item_edit": "marketers share items: test_an_executive_changes_nothing",
    "content.item_submit": "marketers share items: test_an_executive_changes_nothing",
    "content.item_send_back": "marketers share items: test_an_executive_changes_nothing",
    "content.item_archive": "marketers share items: test_an_executive_changes_nothing",
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


def _request(client, world: World, attempt: Try):
    data = attempt.data(world) if attempt.data else {}
    if attempt.method == "POST":
        data = {"csrf_token": csrf_token(client), **data}
    with client.open(attempt.path(world), method=attempt.method, data=data or None) as response:
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


@pytest.mark.parametrize("attacker", list(TRIES))
def test_another_persons_objects_are_refused_and_left_alone(app, world, make_user, attacker):
    roles = ("employee",) if attacker == "certified employee" else ("marketer", "employee")
    mallory = make_user("mallory@example.com", name="Mallory", roles=roles)
    if attacker == "certified employee":
        certify(mallory, world.certificate.version)
    client = _signed_in(app, mallory.email)
    problems = []
    for attempt in TRIES[attacker]:
        before = database()
        response, body = _request(client, world, attempt)
        if response.status_code not in attempt.refused:
            problems.append(f"{attempt.what}: {response.status_code}")
        if attempt.says and attempt.says not in body:
            problems.append(f"{attempt.what}: not told {attempt.says!r}")
        if changed := changes(before, database()):
            problems.append(f"{attempt.what}: changed {changed}")
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
    for attempt in sorted(TRIES[attacker], key=lambda a: order[a.owner]):
        if not attempt.control:
            continue
        response, body = _request(owners[attempt.owner], world, attempt)
        if _refused(response) or (attempt.says and attempt.says in body):
            problems.append(f"{attempt.what}, by {attempt.owner}: {response.status_code}")
    assert problems == []


def test_every_route_that_names_an_object_is_tried_by_someone_else(app, world):
    """A new route taking an id must join TRIES (or say in NOT_OWNED why not)."""
    adapter = app.url_map.bind("localhost")
    tried = {
        adapter.match(attempt.path(world).split("?")[0], method=attempt.method)[0]
        for attempts in TRIES.values()
        for attempt in attempts
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
