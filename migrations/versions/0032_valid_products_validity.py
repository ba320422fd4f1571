"""首台（套）validity: the last day a product's recognition counts, filled for existing rows by the default rule

Revision ID: 0032_valid
Revises: 0031_consort
Create Date: 2026-12-08 00:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# Existing rows get exactly the date new ones would: the rule's own pure function, not a copy of it.
from portal.catalogue.validity import valid_until

# revision identifiers, used by Alembic.
revision = '0032_valid'
down_revision = '0031_consort'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
    products = sa.table('products', sa.column('year', sa.Integer), sa.column('valid_until', sa.Date))
    connection = op.get_bind()
    for (year,) in connection.execute(sa.select(products.c.year).distinct()).all():
        connection.execute(products.update().where(products.c.year == year)
                           .values(valid_until=valid_until(year)))
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('valid_until', existing_type=sa.Date(), nullable=False)
        batch_op.create_index('ix_products_validity', ['state', 'valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_validity')
        batch_op.drop_column('valid_until')
