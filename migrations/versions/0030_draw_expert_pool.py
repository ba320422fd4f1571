"""专家库: experts' fields, district and availability; recorded random draws and hand-picks (指定)

Revision ID: 0030_draw
Revises: 0029_proj
Create Date: 2026-12-07 21:41:42.769235

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030_draw'
down_revision = '0029_proj'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('expert_profiles',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=True),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('unavailable_until', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_expert_profiles_updated_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expert_profiles_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_expert_profiles'))
    )
    op.create_table('expert_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('standby_count', sa.Integer(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('drawn', sa.JSON(), nullable=False),
    sa.Column('standbys', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('size >= 1', name=op.f('ck_expert_draws_size_positive')),
    sa.CheckConstraint('standby_count >= 0', name=op.f('ck_expert_draws_standby_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_expert_draws_created_by_id_users')),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_expert_draws_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_draws'))
    )
    with op.batch_alter_table('expert_draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_draws_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('expert_picks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_expert_picks_created_by_id_users')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_expert_picks_reviewer_id_users')),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_expert_picks_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_picks'))
    )
    with op.batch_alter_table('expert_picks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_picks_scenario_id'), ['scenario_id'], unique=False)



def downgrade():
    with op.batch_alter_table('expert_picks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_picks_scenario_id'))

    op.drop_table('expert_picks')
    with op.batch_alter_table('expert_draws', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_draws_scenario_id'))

    op.drop_table('expert_draws')
    op.drop_table('expert_profiles')
