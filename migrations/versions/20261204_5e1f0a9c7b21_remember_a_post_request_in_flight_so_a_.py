"""Remember a post request in flight, so a retry looks for the post before posting again,
and when a worker took a share, so one that died is replaced

Revision ID: 5e1f0a9c7b21
Revises: 0d201f761c67
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0a9c7b21'
down_revision = '0d201f761c67'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('publish_claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.drop_column('publish_claimed_at')
        batch_op.drop_column('publish_sent_at')
