"""场景能力清单: capabilities of verified enterprises, their districts and linked products

Revision ID: 0026_capab
Revises: 0025_objection
Create Date: 2026-12-07 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026_capab'
down_revision = '0025_objection'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('capabilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('field', sa.String(length=48), nullable=False),
    sa.Column('maturity', sa.Enum('prototype', 'small_batch', 'scaled', name='maturity', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('cases', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=40), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'approved', 'returned', 'withdrawn', name='capabilitystate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state != 'approved' OR approved_at IS NOT NULL", name=op.f('ck_capabilities_approved_has_time')),
    sa.CheckConstraint("state != 'returned' OR (decided_at IS NOT NULL AND reason IS NOT NULL)", name=op.f('ck_capabilities_returned_has_reason')),
    sa.CheckConstraint("state NOT IN ('submitted', 'approved', 'returned') OR submitted_at IS NOT NULL",
                       name=op.f('ck_capabilities_sent_has_time')),
    sa.CheckConstraint("state != 'withdrawn' OR withdrawn_at IS NOT NULL", name=op.f('ck_capabilities_withdrawn_has_time')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_capabilities_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_capabilities_decided_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_capabilities_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capabilities'))
    )
    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.create_index('ix_capabilities_facets', ['state', 'sector', 'field', 'maturity'], unique=False)
        batch_op.create_index(batch_op.f('ix_capabilities_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_capabilities_public', ['state', 'approved_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_capabilities_state'), ['state'], unique=False)

    op.create_table('capability_districts',
    sa.Column('capability_id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['capability_id'], ['capabilities.id'], name=op.f('fk_capability_districts_capability_id_capabilities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capability_id', 'district', name=op.f('pk_capability_districts'))
    )
    with op.batch_alter_table('capability_districts', schema=None) as batch_op:
        batch_op.create_index('ix_capability_districts_district', ['district', 'capability_id'], unique=False)

    op.create_table('capability_products',
    sa.Column('capability_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['capability_id'], ['capabilities.id'], name=op.f('fk_capability_products_capability_id_capabilities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_capability_products_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capability_id', 'product_id', name=op.f('pk_capability_products'))
    )
    with op.batch_alter_table('capability_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capability_products_product_id'), ['product_id'], unique=False)



def downgrade():
    with op.batch_alter_table('capability_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capability_products_product_id'))

    op.drop_table('capability_products')
    with op.batch_alter_table('capability_districts', schema=None) as batch_op:
        batch_op.drop_index('ix_capability_districts_district')

    op.drop_table('capability_districts')
    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capabilities_state'))
        batch_op.drop_index('ix_capabilities_public')
        batch_op.drop_index(batch_op.f('ix_capabilities_organization_id'))
        batch_op.drop_index('ix_capabilities_facets')

    op.drop_table('capabilities')
