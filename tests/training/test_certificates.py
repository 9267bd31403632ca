"""Certificates: who may see one, public verification, revoking, and expiry reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from advocacy.extensions import db
from advocacy.models import Certification
from advocacy.services import assessment
from advocacy.services.certificates import revoke
from tests.conftest import post_form, sign_in
from tests.training.conftest import (
    SLUG,
    START,
    audit_events,
    certify,
    flashes,
    follow,
    import_folder,
    outbox,
    read_modules,
    stored,
    text_of,
    write_course,
)
from training.gating import Reason, may_share


@pytest.fixture
def holder(frozen_clock, course, make_user):
    frozen_clock(START)
    return make_user("holder@example.com", name="Hanna Holder")


@pytest.fixture
def certificate(holder, course) -> Certification:
    return certify(holder, course, issued_at=START)


def client_for(app, make_user, *roles, user=None):
    person = user or make_user(roles=roles)
    client = app.test_client()
    assert sign_in(client, person.email).status_code == 303
    return client


# The certificate page


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("holder", 200), ("admin", 200), ("marketer", 200), ("employee", 404), ("executive", 404)],
)
def test_who_may_open_a_certificate(app, make_user, holder, certificate, viewer, status):
    if viewer == "holder":
        client = client_for(app, make_user, user=holder)
    else:
        client = client_for(app, make_user, viewer)
    response = client.get(f"/certificates/{certificate.number}")
    assert response.status_code == status
    if status == 200:
        page = text_of(response)
        assert "Hanna Holder" in page and "Test course" in page
        assert "01 March 2030" in page and "01 March 2031" in page
        assert f"http://localhost/verify/{certificate.number}" in page


def test_an_unknown_certificate_page_is_not_found(app, make_user, holder):
    client = client_for(app, make_user, "admin")
    assert client.get("/certificates/CH-AAAA-AAAA").status_code == 404


def test_the_certificate_page_prints_without_buttons(app, make_user, holder, certificate):
    page = text_of(
        client_for(app, make_user, user=holder).get(f"/certificates/{certificate.number}")
    )
    assert 'class="form-actions no-print"' in page
    assert "Revoke certificate" not in page


# Public verification


def test_verification_says_valid_with_course_and_date_but_not_who(client, holder, certificate):
    response = client.get(f"/verify/{certificate.number}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Valid." in page and "Test course" in page and "valid until 01 March 2031" in page
    assert "Hanna" not in page and "Holder" not in page and "holder@example.com" not in page


def test_verification_accepts_a_number_in_lower_case(client, certificate):
    assert "Valid." in text_of(client.get(f"/verify/{certificate.number.lower()}"))


def test_verifying_an_unknown_number_is_not_found(client, holder):
    response = client.get("/verify/CH-AAAA-AAAA")
    assert response.status_code == 404
    assert "No certificate has this number" in text_of(response)


def test_verification_of_an_expired_certificate(client, frozen_clock, certificate):
    frozen_clock(START + timedelta(days=365))
    page = text_of(client.get(f"/verify/{certificate.number}"))
    assert "Not valid (expired)" in page and "Valid." not in page


def test_verification_of_a_revoked_certificate(app, client, make_user, certificate):
    admin = make_user(roles=("admin",))
    revoke(db.session, certificate, actor=admin, reason="Shared a confidential roadmap")
    page = text_of(client.get(f"/verify/{certificate.number}"))
    assert "Not valid (revoked)" in page
    assert "confidential roadmap" not in page


# Revoking


def test_an_admin_revokes_with_a_reason_and_sharing_stops(
    app, client, make_user, holder, certificate
):
    assert may_share(holder, "x")
    admin = client_for(app, make_user, "admin")
    response = post_form(
        admin, f"/certificates/{certificate.number}/revoke", {"reason": "Posted a client's name"}
    )
    page = follow(admin, response)
    assert any(
        kind == "success" and "Revoked the certificate of Hanna Holder" in text
        for kind, text in flashes(page)
    )
    revoked = stored(Certification, number=certificate.number)[0]
    assert revoked.revoked_at == START and revoked.revoke_reason == "Posted a client's name"
    [event] = audit_events("certificate.revoked")
    assert event.subject == certificate.number
    assert event.details["reason"] == "Posted a client's name"
    assert event.details["holder"] == "holder@example.com"
    decision = may_share(stored(type(holder), id=holder.id)[0], "x")
    assert not decision and decision.reason == Reason.REVOKED


def test_the_holder_sees_why_on_the_course_page(app, make_user, holder, certificate):
    admin = make_user(roles=("admin",))
    revoke(db.session, certificate, actor=admin, reason="Posted a client's name")
    client = client_for(app, make_user, user=holder)
    page = text_of(client.get(f"/training/{SLUG}"))
    assert "Your certificate was revoked." in page
    assert "Posted a client&#39;s name" in page


def test_after_a_revocation_the_holder_may_take_the_assessment_again(
    app, make_user, holder, certificate
):
    client = client_for(app, make_user, user=holder)
    read_modules(client)
    version = certificate.version
    assert assessment.status(db.session, holder, version).blocked_reason is not None
    admin = make_user(roles=("admin",))
    revoke(db.session, certificate, actor=admin, reason="Wrong person")
    assert assessment.status(db.session, holder, version).can_start


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoking_without_a_reason_is_refused(app, make_user, certificate, reason):
    admin = client_for(app, make_user, "admin")
    response = post_form(admin, f"/certificates/{certificate.number}/revoke", {"reason": reason})
    page = follow(admin, response)
    assert any(kind == "error" for kind, _text in flashes(page))
    assert stored(Certification, number=certificate.number)[0].revoked_at is None
    assert audit_events("certificate.revoked") == []


@pytest.mark.parametrize("role", ["marketer", "employee", "executive"])
def test_only_admins_revoke(app, make_user, certificate, role):
    client = client_for(app, make_user, role)
    response = post_form(client, f"/certificates/{certificate.number}/revoke", {"reason": "x"})
    assert response.status_code == 403
    assert stored(Certification, number=certificate.number)[0].revoked_at is None


def test_revoking_twice_says_it_is_already_revoked(app, make_user, certificate):
    admin = client_for(app, make_user, "admin")
    url = f"/certificates/{certificate.number}/revoke"
    follow(admin, post_form(admin, url, {"reason": "Once"}))
    page = follow(admin, post_form(admin, url, {"reason": "Twice"}))
    assert ("error", "This certificate is already revoked.") in flashes(page)
    assert stored(Certification, number=certificate.number)[0].revoke_reason == "Once"


# Expiry reminders


def remind(app, days: int = 30):
    result = app.test_cli_runner().invoke(args=["certificates", "remind", "--days", str(days)])
    assert result.exit_code == 0, result.output
    return result.output


def issued_days_ago(make_user, version, days: int, **user):
    person = make_user(**user)
    return certify(person, version, issued_at=START - timedelta(days=days))


def test_reminders_go_to_holders_expiring_within_the_window_once(
    app, course, make_user, frozen_clock
):
    frozen_clock(START)
    soon = issued_days_ago(make_user, course, 355, email="soon@example.com")  # 10 days left
    issued_days_ago(make_user, course, 336, email="edge@example.com")  # 29 days left
    issued_days_ago(make_user, course, 300, email="later@example.com")  # 65 days left
    issued_days_ago(make_user, course, 400, email="expired@example.com")
    revoked = issued_days_ago(make_user, course, 355, email="revoked@example.com")
    issued_days_ago(make_user, course, 355, email="gone@example.com", active=False)
    revoke(db.session, revoked, actor=make_user(roles=("admin",)), reason="Misconduct")

    assert "Sent 2 reminder(s)." in remind(app)
    mails = outbox()
    assert sorted(m.recipient for m in mails) == ["edge@example.com", "soon@example.com"]
    mail = next(m for m in mails if m.recipient == "soon@example.com")
    assert soon.number in mail.body and "11 March 2030" in mail.body
    assert f"http://localhost/training/{SLUG}" in mail.body
    assert len(audit_events("certificate.reminder_sent")) == 2

    assert "Sent 0 reminder(s)." in remind(app)
    assert len(outbox()) == 2


def test_a_shorter_window_reminds_fewer(app, course, make_user, frozen_clock):
    frozen_clock(START)
    issued_days_ago(make_user, course, 355, email="soon@example.com")
    issued_days_ago(make_user, course, 345, email="later@example.com")  # 20 days left
    assert "Sent 1 reminder(s)." in remind(app, days=14)
    assert [m.recipient for m in outbox()] == ["soon@example.com"]


def test_a_holder_who_renewed_is_not_reminded_of_the_old_certificate(
    app, course, make_user, frozen_clock
):
    frozen_clock(START)
    person = make_user(email="renewed@example.com")
    certify(person, course, issued_at=START - timedelta(days=355))
    certify(person, course, issued_at=START - timedelta(days=5))
    assert "Sent 0 reminder(s)." in remind(app)


def test_a_holder_who_renewed_on_a_new_version_is_not_reminded(
    app, course, make_user, frozen_clock, tmp_path
):
    frozen_clock(START - timedelta(days=355))
    person = make_user(email="renewed@example.com")
    certify(person, course)
    frozen_clock(START - timedelta(days=5))
    newer = import_folder(write_course(tmp_path / "v11", version="1.1", extra_text=" More."))
    certify(person, newer)
    frozen_clock(START)
    assert may_share(person, "x")
    assert "Sent 0 reminder(s)." in remind(app)
