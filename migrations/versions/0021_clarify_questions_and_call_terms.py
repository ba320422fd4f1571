"""clarifications (答疑) and a scenario's call terms (question deadline, opening record naming bidders)

Revision ID: 0021_clarify
Revises: 0020
Create Date: 2026-12-07 16:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_clarify'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'clarification_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('state', sa.Enum('pending', 'answered', 'declined', name='questionstate', native_enum=False,
                                   create_constraint=True, length=20), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('public_text', sa.Text(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=True),
        sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state != 'answered' OR (answer IS NOT NULL AND answered_at IS NOT NULL "
                           "AND public_text IS NOT NULL)",
                           name=op.f('ck_clarification_questions_answered_has_answer')),
        sa.CheckConstraint("state != 'declined' OR (decline_reason IS NOT NULL AND declined_at IS NOT NULL)",
                           name=op.f('ck_clarification_questions_declined_has_reason')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_clarification_questions_answered_by_id_users')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_clarification_questions_organization_id_organizations')),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_clarification_questions_scenario_id_scenarios')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_clarification_questions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clarification_questions')),
    )
    with op.batch_alter_table('clarification_questions', schema=None) as batch_op:
        batch_op.create_index('ix_clarification_questions_asker', ['organization_id', 'scenario_id'], unique=False)
        batch_op.create_index('ix_clarification_questions_scenario_state', ['scenario_id', 'state'], unique=False)

    op.create_table(
        'scenario_call_terms',
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('question_deadline', sa.DateTime(timezone=True), nullable=True),
        sa.Column('opening_names_bidders', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_scenario_call_terms_scenario_id_scenarios')),
        sa.PrimaryKeyConstraint('scenario_id', name=op.f('pk_scenario_call_terms')),
    )


def downgrade():
    op.drop_table('scenario_call_terms')
    with op.batch_alter_table('clarification_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_clarification_questions_scenario_state')
        batch_op.drop_index('ix_clarification_questions_asker')
    op.drop_table('clarification_questions')
