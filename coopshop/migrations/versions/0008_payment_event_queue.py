"""payment events as a queue: attempts, last error, and an index of the waiting ones

Events are stored when they arrive and handled in batches afterwards; a failed event keeps
its error and is tried again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
    # Events stored before this revision were handled when they arrived.
    op.execute("UPDATE payment_event SET attempts = 1 WHERE processed_at IS NOT NULL")
    op.create_index(
        'ix_payment_event_waiting',
        'payment_event',
        ['id'],
        unique=False,
        postgresql_where=sa.text('processed_at IS NULL'),
        sqlite_where=sa.text('processed_at IS NULL'),
    )


def downgrade():
    op.drop_index('ix_payment_event_waiting', table_name='payment_event')
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
