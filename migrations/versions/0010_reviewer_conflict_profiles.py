"""reviewer conflict profiles: current employer, former employers, shareholdings, posts and relations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reviewer_profiles',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('employer_name', sa.String(length=120), nullable=False),
        sa.Column('employer_uscc', sa.String(length=18), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reviewer_profiles_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_reviewer_profiles')),
    )
    op.create_table(
        'conflict_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('former_employer', 'shareholding', 'post', 'relation', name='conflictkind',
                                  native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('org_name', sa.String(length=120), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=True),
        sa.Column('until', sa.Date(), nullable=True),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind != 'former_employer' OR until IS NOT NULL",
                           name=op.f('ck_conflict_entries_former_employer_has_end')),
        sa.ForeignKeyConstraint(['reviewer_id'], ['reviewer_profiles.user_id'],
                                name=op.f('fk_conflict_entries_reviewer_id_reviewer_profiles')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_entries')),
    )
    with op.batch_alter_table('conflict_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_entries_reviewer_id'), ['reviewer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('conflict_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_entries_reviewer_id'))
    op.drop_table('conflict_entries')
    op.drop_table('reviewer_profiles')
