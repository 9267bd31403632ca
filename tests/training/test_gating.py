"""The gating policy through `may_share`, with a controllable clock, and its SQL twin."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy.extensions import db
from advocacy.models import User
from advocacy.services.certificates import revoke
from tests.training.conftest import START, certify, import_folder, write_course
from training.gating import (
    Reason,
    current_certificate_clause,
    may_share,
    shareable_networks,
)

YEAR = timedelta(days=365)
GRACE = timedelta(days=30)
SECOND = timedelta(seconds=1)


@pytest.fixture
def v1(app, frozen_clock, tmp_path):
    frozen_clock(START)
    return import_folder(write_course(tmp_path / "v1"))


def new_version(tmp_path, frozen_clock, version: str, at):
    """Import `version` of the test course at the moment `at`."""
    frozen_clock(at)
    return import_folder(write_course(tmp_path / version, version=version, extra_text=version))


def test_without_a_certificate_sharing_is_refused(v1, make_user):
    decision = may_share(make_user(), "x", at=START)
    assert not decision
    assert decision.reason == Reason.NOT_CERTIFIED
    assert decision.message == "Pass the social media course to unlock sharing."


def test_a_certificate_allows_the_course_networks_until_it_expires(v1, make_user):
    person = make_user()
    certificate = certify(person, v1, issued_at=START)
    for network in ("x", "linkedin", None):
        decision = may_share(person, network, at=START + timedelta(days=10))
        assert decision and decision.reason == Reason.CERTIFIED
        assert decision.valid_until == START + YEAR
        assert decision.certification.id == certificate.id
    assert shareable_networks(person, at=START) == ["linkedin", "x"]


def test_a_network_no_course_covers_is_refused(v1, make_user):
    person = make_user()
    certify(person, v1, issued_at=START)
    decision = may_share(person, "mastodon", at=START)
    assert not decision and decision.reason == Reason.NETWORK_NOT_COVERED


def test_without_any_course_nothing_is_covered(app, make_user):
    assert may_share(make_user(), "x").reason == Reason.NETWORK_NOT_COVERED


def test_a_certificate_expires_after_its_validity(v1, make_user):
    person = make_user()
    certify(person, v1, issued_at=START)
    assert may_share(person, "x", at=START + YEAR - SECOND)
    decision = may_share(person, "x", at=START + YEAR)
    assert not decision and decision.reason == Reason.EXPIRED
    assert decision.valid_until == START + YEAR
    assert "expired" in decision.message


def test_the_app_clock_is_used_when_no_moment_is_given(v1, make_user, frozen_clock):
    person = make_user()
    certify(person, v1, issued_at=START)
    frozen_clock(START + YEAR - SECOND)
    assert may_share(person, "x")
    frozen_clock(START + YEAR)
    assert may_share(person, "x").reason == Reason.EXPIRED


def test_a_renewed_certificate_counts_over_an_expired_one(v1, make_user):
    person = make_user()
    certify(person, v1, issued_at=START)
    certify(person, v1, issued_at=START + timedelta(days=340))
    decision = may_share(person, "x", at=START + YEAR + timedelta(days=10))
    assert decision and decision.valid_until == START + timedelta(days=340) + YEAR


def test_a_deactivated_account_may_not_share_even_when_certified(v1, make_user):
    person = make_user(active=False)
    certify(person, v1, issued_at=START)
    decision = may_share(person, "x", at=START)
    assert not decision and decision.reason == Reason.ACCOUNT_DEACTIVATED


def test_a_revoked_certificate_stops_sharing(v1, make_user):
    person = make_user()
    certificate = certify(person, v1, issued_at=START)
    revoke(db.session, certificate, actor=make_user(roles=("admin",)), reason="Leaked figures")
    decision = may_share(person, "x", at=START + timedelta(days=1))
    assert not decision and decision.reason == Reason.REVOKED


def test_a_new_minor_version_keeps_certificates_valid(v1, make_user, tmp_path, frozen_clock):
    person = make_user()
    certify(person, v1, issued_at=START)
    new_version(tmp_path, frozen_clock, "1.1", START + timedelta(days=100))
    decision = may_share(person, "x", at=START + timedelta(days=300))
    assert decision and decision.valid_until == START + YEAR


def test_a_new_major_version_keeps_old_certificates_during_the_grace_period(
    v1, make_user, tmp_path, frozen_clock
):
    person = make_user()
    certify(person, v1, issued_at=START)
    released = START + timedelta(days=100)
    new_version(tmp_path, frozen_clock, "2.0", released)
    during = may_share(person, "x", at=released + GRACE - SECOND)
    assert during and during.valid_until == released + GRACE
    after = may_share(person, "x", at=released + GRACE)
    assert not after and after.reason == Reason.VERSION_OUTDATED
    assert after.message == "The course has a new version. Take it again to keep sharing."


def test_the_grace_period_never_extends_a_certificate(v1, make_user, tmp_path, frozen_clock):
    person = make_user()
    certify(person, v1, issued_at=START)
    new_version(tmp_path, frozen_clock, "2.0", START + YEAR - timedelta(days=5))
    decision = may_share(person, "x", at=START + YEAR - timedelta(days=1))
    assert decision and decision.valid_until == START + YEAR
    assert may_share(person, "x", at=START + YEAR).reason == Reason.EXPIRED


def test_a_certificate_of_the_new_major_version_is_valid(v1, make_user, tmp_path, frozen_clock):
    person = make_user()
    certify(person, v1, issued_at=START)
    released = START + timedelta(days=100)
    v2 = new_version(tmp_path, frozen_clock, "2.0", released)
    certify(person, v2, issued_at=released + timedelta(days=10))
    decision = may_share(person, "x", at=released + GRACE + timedelta(days=1))
    assert decision and decision.valid_until == released + timedelta(days=10) + YEAR


def test_a_minor_update_after_a_major_one_keeps_the_grace_end(
    v1, make_user, tmp_path, frozen_clock
):
    person = make_user()
    certify(person, v1, issued_at=START)
    released = START + timedelta(days=100)
    new_version(tmp_path, frozen_clock, "2.0", released)
    new_version(tmp_path, frozen_clock, "2.1", released + timedelta(days=10))
    assert may_share(person, "x", at=released + GRACE - SECOND)
    assert may_share(person, "x", at=released + GRACE).reason == Reason.VERSION_OUTDATED


def test_a_later_major_version_does_not_revive_an_outdated_certificate(
    v1, make_user, tmp_path, frozen_clock
):
    person = make_user()
    certify(person, v1, issued_at=START)
    new_version(tmp_path, frozen_clock, "2.0", START + timedelta(days=100))
    assert may_share(person, "x", at=START + timedelta(days=200)).reason == Reason.VERSION_OUTDATED
    new_version(tmp_path, frozen_clock, "3.0", START + timedelta(days=200))
    decision = may_share(person, "x", at=START + timedelta(days=201))
    assert decision.reason == Reason.VERSION_OUTDATED


# The SQL clause agrees with may_share


def sql_certified(course_id: int, at) -> set[int]:
    clause = current_certificate_clause(course_id, at)
    return set(db.session.scalars(select(User.id).where(clause)))


def policy_certified(users: list[User], at) -> set[int]:
    return {user.id for user in users if may_share(user, at=at)}


def test_the_sql_clause_agrees_with_may_share_for_people_in_every_state(
    v1, make_user, tmp_path, frozen_clock
):
    admin = make_user(roles=("admin",))
    released = START + timedelta(days=200)
    never = make_user(name="never")
    fresh = make_user(name="fresh")
    certify(fresh, v1, issued_at=START + timedelta(days=150))
    old = make_user(name="old")  # issued at START: valid on 1.x, outdated after 2.0's grace
    certify(old, v1, issued_at=START)
    lapsing = make_user(name="lapsing")  # expires during the grace period
    certify(lapsing, v1, issued_at=START - timedelta(days=150))
    revoked = make_user(name="revoked")
    revoke(db.session, certify(revoked, v1, issued_at=START), actor=admin, reason="Rule broken")
    renewed = make_user(name="renewed")
    certify(renewed, v1, issued_at=START - timedelta(days=400))
    certify(renewed, v1, issued_at=START + timedelta(days=10))
    v2 = new_version(tmp_path, frozen_clock, "2.0", released)
    recertified = make_user(name="recertified")
    certify(recertified, v1, issued_at=START)
    certify(recertified, v2, issued_at=released + timedelta(days=5))
    people = [never, fresh, old, lapsing, revoked, renewed, recertified]

    moments = [
        START,
        START + timedelta(days=215) - SECOND,  # lapsing expires at START + 215 days
        START + timedelta(days=215),
        released + GRACE - SECOND,
        released + GRACE,
        START + YEAR,
        START + timedelta(days=150) + YEAR,  # fresh expires
        START + timedelta(days=500),
    ]
    for at in moments:
        assert sql_certified(v1.course_id, at) == policy_certified(people, at), at
    assert policy_certified(people, released + GRACE - SECOND) == {
        fresh.id,
        old.id,
        renewed.id,
        recertified.id,
    }
    assert policy_certified(people, released + GRACE) == {recertified.id}


def test_the_sql_clause_agrees_with_may_share_on_random_histories(
    v1, make_user, tmp_path, frozen_clock
):
    rng = random.Random(2030)
    admin = make_user(roles=("admin",))
    released = START + timedelta(days=120)
    people = [make_user() for _ in range(25)]
    v2 = None
    for phase in ("before", "after"):
        if phase == "after":
            v2 = new_version(tmp_path, frozen_clock, "2.0", released)
        for person in people:
            if rng.random() < 0.5:
                days = rng.randint(-400, 200)
                version = v2 if v2 and rng.random() < 0.5 else v1
                certificate = certify(person, version, issued_at=START + timedelta(days=days))
                if rng.random() < 0.15:
                    revoke(db.session, certificate, actor=admin, reason="Random revocation")
    moments = [START + timedelta(days=d) for d in range(-30, 700, 17)]
    moments += [released + GRACE, released + GRACE - SECOND]
    sizes = set()
    for at in moments:
        expected = policy_certified(people, at)
        assert sql_certified(v1.course_id, at) == expected, at
        sizes.add(len(expected))
        for person in people:  # the per-request shortcut decides as may_share does
            by_network = [n for n in ("linkedin", "x") if may_share(person, n, at)]
            assert shareable_networks(person, at) == by_network, (person.name, at)
    assert len(sizes) > 3  # the histories really differ over time


def test_the_sql_clause_speaks_of_certificates_not_accounts(v1, make_user):
    """The clause ignores deactivation; the reports filter active people themselves."""
    person = make_user(active=False)
    certify(person, v1, issued_at=START)
    assert sql_certified(v1.course_id, START) == {person.id}
    active = select(User.id).where(
        User.active.is_(True), current_certificate_clause(v1.course_id, START)
    )
    assert set(db.session.scalars(active)) == set()
    assert may_share(person, at=START).reason == Reason.ACCOUNT_DEACTIVATED
