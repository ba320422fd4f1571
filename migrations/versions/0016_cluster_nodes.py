"""cluster nodes: the registry of nodes (their workers' heartbeats, search positions) and the shared epoch

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'nodes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('search_backend', sa.String(length=16), nullable=False),
        sa.Column('search_generation', sa.String(length=64), nullable=True),
        sa.Column('search_cursor', sa.Integer(), nullable=True),
        sa.Column('epoch', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nodes')),
        sa.UniqueConstraint('name', name=op.f('uq_nodes_name')),
    )
    with op.batch_alter_table('nodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nodes_heartbeat_at'), ['heartbeat_at'], unique=False)
    op.create_table(
        'cluster_state',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cluster_state')),
    )


def downgrade():
    op.drop_table('cluster_state')
    with op.batch_alter_table('nodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nodes_heartbeat_at'))
    op.drop_table('nodes')
