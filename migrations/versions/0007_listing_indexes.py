"""listing indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 18:50:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.create_index('ix_scenarios_listing',
                              ['published_at', 'id', 'batch_id', 'state', 'sector', 'district'], unique=False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_listing', ['state', 'year', 'approved_at', 'id'], unique=False)
        batch_op.create_index('ix_products_facets', ['state', 'product_type', 'sector', 'level', 'year', 'district'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_facets')
        batch_op.drop_index('ix_products_listing')
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index('ix_scenarios_listing')
