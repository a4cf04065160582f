"""ledger: each member's income per period as a running total; entries indexed by kind

The posting service keeps ``member_period_income`` up to date from now on; this revision
fills it from the postings booked before. The index on journal entries gains their kind.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'member_period_income',
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('income_cents', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_member_period_income_cooperative_id_cooperative')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_period_income_member_id_member')),
        sa.PrimaryKeyConstraint('cooperative_id', 'period', 'member_id', name=op.f('pk_member_period_income')),
    )
    op.execute(
        "INSERT INTO member_period_income (cooperative_id, period, member_id, income_cents) "
        "SELECT journal_entry.cooperative_id, journal_entry.period, posting.member_id, "
        "-SUM(posting.amount_cents) "
        "FROM posting JOIN journal_entry ON posting.entry_id = journal_entry.id "
        "WHERE posting.leg = 'member' AND posting.member_id IS NOT NULL "
        "AND journal_entry.cooperative_id IS NOT NULL "
        "GROUP BY journal_entry.cooperative_id, journal_entry.period, posting.member_id"
    )
    # Indexes only: no table is rebuilt (and the append-only triggers stay as they are).
    op.drop_index('ix_journal_entry_cooperative_id_period', table_name='journal_entry')
    op.create_index('ix_journal_entry_cooperative_id_period_kind', 'journal_entry', ['cooperative_id', 'period', 'kind'], unique=False)


def downgrade():
    op.drop_index('ix_journal_entry_cooperative_id_period_kind', table_name='journal_entry')
    op.create_index('ix_journal_entry_cooperative_id_period', 'journal_entry', ['cooperative_id', 'period'], unique=False)
    op.drop_table('member_period_income')
