"""The schema comes only from Alembic revisions, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from advocacy.extensions import Base, db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in Base.metadata.sorted_tables} <= tables


def test_a_revision_that_rebuilds_a_table_keeps_the_rows_that_point_at_it(app, sharer, make_item):
    """SQLite batch mode copies a table and drops the old one; with foreign keys on, that
    drop would cascade and empty every table pointing at it (migrations/env.py)."""
    from advocacy.models import NetworkAccount, Share, User
    from advocacy.services import networks, publishing, shares

    created = shares.create_shares(
        db.session, app.config, sharer, make_item().id, {"x": "Kept"}, None
    )
    publishing.publish(db.session, app.config, created[0], networks.connectors_of(app))
    counts, sharer_id = _counts(User, NetworkAccount, Share), sharer.id
    db.session.remove()

    downgrade(revision="-2")  # through revisions that rebuild users and shares
    upgrade()

    assert _counts(User, NetworkAccount, Share) == counts
    assert db.session.get(User, sharer_id).roles  # the user_roles rows survived too


def _counts(*models) -> list[int]:
    from sqlalchemy import func, select

    return [db.session.scalar(select(func.count()).select_from(model)) for model in models]
