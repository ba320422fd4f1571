"""review period, reminders to reviewers, replacement of overdue reviewers, discussion of flagged proposals

Revision ID: 0024_review
Revises: 0023_rules
Create Date: 2026-12-07 16:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_review'
down_revision = '0023_rules'
branch_labels = None
depends_on = None

OLD_STATES = ('pending', 'excluded', 'recused', 'in_progress', 'submitted')
NEW_STATES = OLD_STATES + ('replaced',)


def _state_check(states):
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def upgrade():
    with op.batch_alter_table('review_setups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_reviews_reviewstate'), type_='check')
        batch_op.create_check_constraint(op.f('ck_reviews_reviewstate'), _state_check(NEW_STATES))
        batch_op.create_check_constraint(op.f('ck_reviews_replaced_has_time'), "state != 'replaced' OR replaced_at IS NOT NULL")

    op.create_table(
        'review_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('days_before', sa.Integer(), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('unfinished', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_review_reminders_reviewer_id_users')),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_review_reminders_scenario_id_scenarios')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reminders')),
        sa.UniqueConstraint('scenario_id', 'reviewer_id', 'days_before', 'ends_at', name='uq_review_reminders_once'),
    )
    with op.batch_alter_table('review_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_reminders_scenario_id'), ['scenario_id'], unique=False)

    op.create_table(
        'review_discussion_posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_review_discussion_posts_author_id_users')),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_review_discussion_posts_proposal_id_proposals')),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_review_discussion_posts_scenario_id_scenarios')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_discussion_posts')),
    )
    with op.batch_alter_table('review_discussion_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_discussion_posts_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_discussion_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_discussion_posts_proposal_id'))
    op.drop_table('review_discussion_posts')
    with op.batch_alter_table('review_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_reminders_scenario_id'))
    op.drop_table('review_reminders')
    # Replaced reviews go back to being plain unfinished work of their reviewer.
    op.execute("UPDATE reviews SET state = 'pending' WHERE state = 'replaced' AND declared_at IS NULL")
    op.execute("UPDATE reviews SET state = 'in_progress' WHERE state = 'replaced'")
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reviews_replaced_has_time'), type_='check')
        batch_op.drop_constraint(op.f('ck_reviews_reviewstate'), type_='check')
        batch_op.create_check_constraint(op.f('ck_reviews_reviewstate'), _state_check(OLD_STATES))
        batch_op.drop_column('replaced_at')
    with op.batch_alter_table('review_setups', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
