"""outbox: a message body may be rendered when the message is delivered

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column('body_render_kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('body_render_key', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_outbox_message_body_or_renderer'),
            'body_text IS NOT NULL OR (body_render_kind IS NOT NULL AND body_render_key IS NOT NULL)',
        )


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_message_body_or_renderer'), type_='check')
        batch_op.drop_column('body_render_key')
        batch_op.drop_column('body_render_kind')
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=False)
