"""settlement: report lines without a second index by report; PDF and XLSX stored uncompressed

The unique (report, member) index already serves lookups by report. PostgreSQL tries to
compress every large value it stores; a PDF and an XLSX are compressed already, so trying
only costs time (about 5 ms per close of two reports): they are stored out of line as they are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_settlement_line_report_id', table_name='settlement_line')
    if op.get_bind().dialect.name == 'postgresql':
        for column in ('pdf', 'xlsx'):
            op.execute(f'ALTER TABLE settlement_report ALTER COLUMN {column} SET STORAGE EXTERNAL')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for column in ('pdf', 'xlsx'):
            op.execute(f'ALTER TABLE settlement_report ALTER COLUMN {column} SET STORAGE EXTENDED')
    op.create_index('ix_settlement_line_report_id', 'settlement_line', ['report_id'], unique=False)
