"""联合体: the members a lead names on its proposal, their confirmations, and the members of each submission

Revision ID: 0031_consort
Revises: 0030_draw
Create Date: 2026-12-07 21:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031_consort'
down_revision = '0030_draw'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consortium_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('invited', 'confirmed', 'declined', name='memberstate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state = 'invited' OR answered_at IS NOT NULL", name=op.f('ck_consortium_members_answer_has_time')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_consortium_members_answered_by_id_users')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_consortium_members_invited_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_consortium_members_organization_id_organizations')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_consortium_members_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consortium_members')),
    sa.UniqueConstraint('proposal_id', 'organization_id', name='uq_consortium_members_once')
    )
    with op.batch_alter_table('consortium_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consortium_members_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consortium_members_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('version_members',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_version_members_organization_id_organizations')),
    sa.ForeignKeyConstraint(['version_id'], ['proposal_versions.id'], name=op.f('fk_version_members_version_id_proposal_versions')),
    sa.PrimaryKeyConstraint('version_id', 'organization_id', name=op.f('pk_version_members'))
    )


def downgrade():
    op.drop_table('version_members')
    with op.batch_alter_table('consortium_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consortium_members_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_consortium_members_organization_id'))
    op.drop_table('consortium_members')
