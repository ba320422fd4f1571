"""privacy: consents to the privacy notice and account closure requests

Revision ID: 0023_rules
Revises: 0022_amend
Create Date: 2026-12-07 16:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_rules'
down_revision = '0022_amend'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'privacy_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('notice_version', sa.String(length=20), nullable=False),
        sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_consents_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_consents')),
    )
    op.create_index(op.f('ix_privacy_consents_user_id'), 'privacy_consents', ['user_id'], unique=False)
    op.create_table(
        'closure_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('processed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('processed_at IS NULL OR processed_by_id IS NOT NULL',
                           name=op.f('ck_closure_requests_processed_has_admin')),
        sa.ForeignKeyConstraint(['processed_by_id'], ['users.id'],
                                name=op.f('fk_closure_requests_processed_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_closure_requests_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_closure_requests')),
    )
    op.create_index(op.f('ix_closure_requests_user_id'), 'closure_requests', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_closure_requests_user_id'), table_name='closure_requests')
    op.drop_table('closure_requests')
    op.drop_index(op.f('ix_privacy_consents_user_id'), table_name='privacy_consents')
    op.drop_table('privacy_consents')
