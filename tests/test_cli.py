"""The command-line tools: create-admin and seed-demo."""

from sqlalchemy import func, select

from advocacy.extensions import db
from advocacy.models import User
from advocacy.services.accounts import find_by_email
from advocacy.services.demo import DEMO_LOGINS, DEMO_PASSWORD
from tests.conftest import sign_in


def test_seed_demo_loads_the_four_logins_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@example.com" in first.output and DEMO_PASSWORD in first.output
    count = db.session.scalar(select(func.count(User.id)))
    second = runner.invoke(args=["seed-demo"])
    assert "already loaded" in second.output
    assert db.session.scalar(select(func.count(User.id))) == count


def test_demo_logins_work_with_their_roles(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    for email, _name, _department, roles in DEMO_LOGINS:
        client = app.test_client()
        assert sign_in(client, email, DEMO_PASSWORD).status_code == 303
        admin_page = client.get("/admin/users").status_code
        assert admin_page == (200 if "admin" in roles else 403), email
    employee = find_by_email(db.session, "employee@example.com")
    assert employee.role_names == {"employee"}


def test_create_admin_makes_an_account_that_can_sign_in(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--email",
            "Root@Example.com",
            "--name",
            "Root",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert sign_in(client, "root@example.com", "a long enough password").status_code == 303
    assert client.get("/admin/users").status_code == 200


def test_create_admin_promotes_an_existing_account(app, make_user):
    make_user("someone@example.com", roles=("employee",))
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--email",
            "someone@example.com",
            "--name",
            "X",
            "--password",
            "another long password",
        ]
    )
    assert "Updated admin" in result.output
    assert find_by_email(db.session, "someone@example.com").role_names == {"admin", "employee"}


def test_create_admin_refuses_a_weak_password_or_bad_email(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["create-admin", "--email", "a@example.com", "--name", "A", "--password", "short"]
    )
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    bad = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "not-an-email",
            "--name",
            "A",
            "--password",
            "long enough password",
        ]
    )
    assert bad.exit_code != 0 and "not a valid email" in bad.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_refresh_totals_brings_the_dashboards_up_to_date(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["refresh-totals"])
    again = runner.invoke(args=["refresh-totals", "--rebuild"])

    assert first.exit_code == 0 and again.exit_code == 0
    assert "publish days" in first.output and "publish days" in again.output
