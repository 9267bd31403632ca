"""Command-line tools: `flask --app wsgi create-admin`, `flask --app wsgi seed-demo`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from advocacy.errors import ValidationFailed
from advocacy.extensions import db


@click.command("create-admin")
@click.option("--email", prompt=True, help="Sign-in email of the admin.")
@click.option("--name", prompt=True, help="The admin's name.")
@click.password_option(help="Password (asked twice when not given).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an admin account, or make an existing account admin and set its password."""
    from advocacy.services import audit
    from advocacy.services.accounts import find_by_email, set_password
    from advocacy.services.users import UserChanges, create_user, ensure_roles

    try:
        user = find_by_email(db.session, email)
        if user is None:
            user = create_user(db.session, UserChanges(email, name, roles={"admin"}), actor=None)
            verb = "Created"
        else:
            roles = ensure_roles(db.session)
            if roles["admin"] not in user.roles:
                user.roles.append(roles["admin"])
            user.active = True
            verb = "Updated"
        set_password(db.session, user, password)
        audit.record(db.session, "admin.created_by_cli", actor=user, subject=user.email)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"{verb} admin {user.email}.")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo company and its logins (safe to run again: adds only what is missing)."""
    from flask import current_app

    if current_app.config["CHORUS_PRODUCTION"]:
        raise click.ClickException(
            "seed-demo adds accounts with a published password; it does not run in production."
        )
    from advocacy.services.demo import DEMO_LOGINS, DEMO_PASSWORD
    from advocacy.services.demo import seed_demo as load

    added = load(db.session, current_app._get_current_object())
    click.echo(f"Demo data: {len(added)} user(s) added." if added else "Demo data already loaded.")
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for email, _name, _department, roles in DEMO_LOGINS:
        click.echo(f"  {email:<24} {', '.join(roles)}")


@click.group("courses")
def courses_group() -> None:
    """Training courses kept as files (course.yaml, Markdown modules, a question bank)."""


@courses_group.command("import")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def import_course(path: Path) -> None:
    """Load or update the course in PATH; any problem is listed and nothing changes."""
    from advocacy.services.courses import import_course as store
    from training.course_files import CourseInvalid, load_course

    try:
        spec = load_course(path)
        version, created = store(db.session, spec)
        db.session.commit()
    except CourseInvalid as invalid:
        for error in invalid.errors:
            click.echo(f"{path / error}" if ":" in error else error, err=True)
        raise click.ClickException(f"{invalid} Nothing was imported.") from invalid
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Nothing was imported.") from error
    if created:
        click.echo(
            f"Imported {spec.title} version {version.version}: {len(spec.modules)} "
            f"modules, {len(spec.questions)} questions. It is now the current version."
        )
    else:
        click.echo(f"{spec.title} version {version.version} is already imported; nothing changed.")


@click.group("certificates")
def certificates_group() -> None:
    """Certificates: expiry reminders."""


@certificates_group.command("remind")
@click.option("--days", default=30, show_default=True, help="Remind this many days ahead.")
def remind(days: int) -> None:
    """Mail holders whose certificate expires within DAYS (each certificate once)."""
    from flask import current_app

    from advocacy.tasks import expiry_reminders

    sent = expiry_reminders(current_app, days)
    click.echo(f"Sent {sent} reminder(s).")


@click.group("networks")
def networks_group() -> None:
    """Connected X and LinkedIn accounts."""


@networks_group.command("check")
def networks_check() -> None:
    """Fetch the profile and follower count of every connected account, and say what happened."""
    from flask import current_app

    from advocacy.services import networks

    checked = networks.check_all(db.session, networks.connectors_of(current_app))
    if not checked:
        click.echo("No connected accounts yet.")
    for account, line in checked:
        sandbox = " (sandbox)" if networks.uses_sandbox(current_app.config, account.network) else ""
        click.echo(f"{account.user.email} on {networks.label(account.network)}{sandbox}: {line}")


@click.group("tokens")
def tokens_group() -> None:
    """Encrypted OAuth tokens."""


@tokens_group.command("rotate")
def tokens_rotate() -> None:
    """Re-encrypt every stored token with the first key of CHORUS_ENCRYPTION_KEYS."""
    from advocacy.services.networks import rotate_tokens

    click.echo(f"Re-encrypted the tokens of {rotate_tokens(db.session)} account(s).")


@click.command("sync-metrics")
@click.option("--limit", default=10_000, show_default=True, help="Most shares to read.")
def sync_metrics(limit: int) -> None:
    """Read the networks' figures for every share that is due, once, and credit colleague
    engagement on engage asks; say what happened. (The task consumer does both every hour by
    itself.)"""
    from flask import current_app

    from advocacy.services import engagement, metrics, networks

    connect = networks.connectors_of(current_app)
    report = metrics.sync_metrics(db.session, current_app.config, connect, limit=limit)
    click.echo(report.summary())
    click.echo(engagement.credit_engagements(db.session, connect).summary())


@click.command("refresh-totals")
@click.option("--rebuild", is_flag=True, help="Work out every day again, from nothing.")
def refresh_totals(rebuild: bool) -> None:
    """Bring the dashboards' totals up to date with the shares, figures and clicks that
    changed since the last refresh. (The task consumer does it every five minutes, and
    rebuilds nightly.)"""
    from advocacy import clock
    from advocacy.services import rollups

    work = rollups.rebuild if rebuild else rollups.refresh
    click.echo(work(db.session, clock.now()).summary.capitalize() + ".")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(courses_group)
    app.cli.add_command(certificates_group)
    app.cli.add_command(networks_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(sync_metrics)
    app.cli.add_command(refresh_totals)
