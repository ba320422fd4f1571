"""two-way matchmaking: 邀请揭榜 invitations, the alerts of fitting scenarios, 对接 meetings

Revision ID: 0028_meet
Revises: 0027_caps
Create Date: 2026-12-07 21:17:43.088825

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028_meet'
down_revision = '0027_caps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('capability_alerts',
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organizations', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_capability_alerts_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('scenario_id', name=op.f('pk_capability_alerts'))
    )
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('requested', 'accepted', 'declined', 'recorded', name='meetingstate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('awaiting', sa.Enum('department', 'enterprise', name='side', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('online_link', sa.String(length=300), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Enum('agreed', 'follow_up', 'no_fit', 'not_held', name='meetingoutcome', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("place != '' OR online_link != ''", name=op.f('ck_meetings_has_place')),
    sa.CheckConstraint("state != 'declined' OR decline_reason IS NOT NULL", name=op.f('ck_meetings_declined_has_reason')),
    sa.CheckConstraint("state != 'recorded' OR (outcome IS NOT NULL AND recorded_at IS NOT NULL)", name=op.f('ck_meetings_recorded_has_outcome')),
    sa.CheckConstraint("state != 'requested' OR awaiting IS NOT NULL", name=op.f('ck_meetings_requested_awaits')),
    sa.ForeignKeyConstraint(['department_id'], ['organizations.id'], name=op.f('fk_meetings_department_id_organizations')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organizations.id'], name=op.f('fk_meetings_enterprise_id_organizations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_meetings_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_meetings_requested_by_id_users')),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_meetings_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_department_state', ['department_id', 'state'], unique=False)
        batch_op.create_index('ix_meetings_enterprise', ['enterprise_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('scenario_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('capability_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['capability_id'], ['capabilities.id'], name=op.f('fk_scenario_invitations_capability_id_capabilities')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_scenario_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_scenario_invitations_organization_id_organizations')),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_scenario_invitations_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_invitations')),
    sa.UniqueConstraint('scenario_id', 'organization_id', name='uq_scenario_invitations_once')
    )
    with op.batch_alter_table('scenario_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenario_invitations_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scenario_invitations_scenario_id'), ['scenario_id'], unique=False)



def downgrade():
    with op.batch_alter_table('scenario_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenario_invitations_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_scenario_invitations_organization_id'))

    op.drop_table('scenario_invitations')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_scenario_id'))
        batch_op.drop_index('ix_meetings_enterprise')
        batch_op.drop_index('ix_meetings_department_state')

    op.drop_table('meetings')
    op.drop_table('capability_alerts')
