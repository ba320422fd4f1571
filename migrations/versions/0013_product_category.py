"""product category: 类别 within a sector, and recognition years from 2000

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=48), nullable=True))
        batch_op.create_index('ix_products_category', ['state', 'category'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_products_year_in_range'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_products_year_in_range'), 'year >= 2000 AND year <= 2100')


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_products_year_in_range'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_products_year_in_range'), 'year >= 2015 AND year <= 2100')
        batch_op.drop_index('ix_products_category')
        batch_op.drop_column('category')
