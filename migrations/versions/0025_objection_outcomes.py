"""objection outcomes, reopened decisions kept as history, bidder feedback per scenario

Revision ID: 0025_objection
Revises: 0024_review
Create Date: 2026-12-07 16:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_objection'
down_revision = '0024_review'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('feedback', _enum('feedback', 'none', 'total', 'place', 'comments'),
                                      server_default='comments', nullable=False))

    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('outcome', _enum('outcome', 'upheld', 'partly_upheld', 'rejected'),
                                      nullable=True))
        batch_op.add_column(sa.Column('consequence', _enum('consequence', 'reopen_review', 'reopen_decision'),
                                      nullable=True))
        # An objection belongs to its scenario: a reopened decision is removed and its objections stay.
        batch_op.drop_constraint('fk_objections_scenario_id_decisions', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_objections_scenario_id_scenarios'), 'scenarios',
                                    ['scenario_id'], ['id'])
    # Answers given before outcomes existed let the result become final: they found the objection unfounded.
    op.execute("UPDATE objections SET outcome = 'rejected' WHERE answered_at IS NOT NULL")
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_objections_answered_has_outcome'),
                                         'answered_at IS NULL OR outcome IS NOT NULL')
        batch_op.create_check_constraint(batch_op.f('ck_objections_consequence_when_upheld'),
                                         "consequence IS NULL OR outcome IN ('upheld', 'partly_upheld')")

    op.create_table(
        'past_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('rationale', sa.Text(), nullable=False),
        sa.Column('winner_names', sa.Text(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('announced_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reopened_by_id', sa.Integer(), nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('consequence', _enum('consequence', 'reopen_review', 'reopen_decision'), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_past_decisions_decided_by_id_users')),
        sa.ForeignKeyConstraint(['objection_id'], ['objections.id'],
                                name=op.f('fk_past_decisions_objection_id_objections')),
        sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'],
                                name=op.f('fk_past_decisions_reopened_by_id_users')),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_past_decisions_scenario_id_scenarios')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_past_decisions')),
        sa.UniqueConstraint('scenario_id', 'round', name='uq_past_decisions_round'),
    )
    with op.batch_alter_table('past_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_past_decisions_scenario_id'), ['scenario_id'], unique=False)


def downgrade():
    with op.batch_alter_table('past_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_past_decisions_scenario_id'))
    op.drop_table('past_decisions')
    # Objections of reopened rounds have no decision to point at any more: they go with the downgrade.
    op.execute("DELETE FROM objections WHERE round <> 1 OR scenario_id NOT IN (SELECT scenario_id FROM decisions)")
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_objections_consequence_when_upheld'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_objections_answered_has_outcome'), type_='check')
        batch_op.drop_constraint('fk_objections_scenario_id_scenarios', type_='foreignkey')
        batch_op.create_foreign_key('fk_objections_scenario_id_decisions', 'decisions', ['scenario_id'],
                                    ['scenario_id'])
        batch_op.drop_constraint(batch_op.f('ck_objections_consequence'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_objections_outcome'), type_='check')
        batch_op.drop_column('consequence')
        batch_op.drop_column('outcome')
        batch_op.drop_column('round')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_decisions_feedback'), type_='check')
        batch_op.drop_column('feedback')
        batch_op.drop_column('round')
