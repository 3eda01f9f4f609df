"""Portal web: server-side sessions and sign-ins in progress (see portal.web.sessions).

Revision ID: pt0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "pt0001"
down_revision = None
branch_labels = ("portal",)
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("web_user", JSONB, nullable=False),
        sa.Column("access_token", sa.Text, nullable=False),
        sa.Column("id_token", sa.Text, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("last_seen_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_web_session"),
    )
    op.create_index("ix_web_session_subject", "web_session", ["subject"])
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"])
    op.create_table(
        "web_login",
        sa.Column("state_hash", sa.Text, nullable=False),
        sa.Column("nonce", sa.Text, nullable=False),
        sa.Column("code_verifier", sa.Text, nullable=False),
        sa.Column("return_to", sa.Text, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name="pk_web_login"),
    )
    op.create_index("ix_web_login_created_at", "web_login", ["created_at"])


def downgrade() -> None:
    op.drop_table("web_login")
    op.drop_table("web_session")
