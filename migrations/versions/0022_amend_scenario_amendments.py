"""变更公告: scenario amendments, the scenario's attachments, bidders' confirmations

Revision ID: 0022_amend
Revises: 0021_clarify
Create Date: 2026-12-07 16:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_amend'
down_revision = '0021_clarify'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scenario_amendments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('requirements_changed', sa.Boolean(), nullable=False),
        sa.Column('deadline_before', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deadline_after', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("reason != ''", name=op.f('ck_scenario_amendments_has_reason')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scenario_amendments_created_by_id_users')),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_scenario_amendments_scenario_id_scenarios')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_amendments')),
        sa.UniqueConstraint('scenario_id', 'number', name='uq_scenario_amendments_number'),
    )
    with op.batch_alter_table('scenario_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenario_amendments_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scenario_amendments_scenario_id'), ['scenario_id'], unique=False)

    op.create_table(
        'scenario_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('added_in_id', sa.Integer(), nullable=True),
        sa.Column('removed_in_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['added_in_id'], ['scenario_amendments.id'],
                                name=op.f('fk_scenario_attachments_added_in_id_scenario_amendments')),
        sa.ForeignKeyConstraint(['removed_in_id'], ['scenario_amendments.id'],
                                name=op.f('fk_scenario_attachments_removed_in_id_scenario_amendments')),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_scenario_attachments_scenario_id_scenarios')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_scenario_attachments_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_attachments')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_scenario_attachments_stored_name')),
    )
    with op.batch_alter_table('scenario_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenario_attachments_scenario_id'), ['scenario_id'], unique=False)

    op.create_table(
        'proposal_confirmations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('amendment_id', sa.Integer(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['amendment_id'], ['scenario_amendments.id'],
                                name=op.f('fk_proposal_confirmations_amendment_id_scenario_amendments')),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'],
                                name=op.f('fk_proposal_confirmations_confirmed_by_id_users')),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_proposal_confirmations_proposal_id_proposals')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_confirmations')),
    )
    with op.batch_alter_table('proposal_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_confirmations_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('proposal_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_confirmations_proposal_id'))
    op.drop_table('proposal_confirmations')
    with op.batch_alter_table('scenario_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenario_attachments_scenario_id'))
    op.drop_table('scenario_attachments')
    with op.batch_alter_table('scenario_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenario_amendments_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_scenario_amendments_created_at'))
    op.drop_table('scenario_amendments')
