"""Connected social network accounts, and OAuth sign-ins waiting for their callback."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocacy.clock import now
from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime
from advocacy.models.user import User

CONNECTED = "connected"
RECONNECT_NEEDED = "reconnect needed"


class NetworkAccount(Base):
    """One person's account on one network. Tokens are encrypted (advocacy.crypto)."""

    __tablename__ = "network_accounts"
    __table_args__ = (
        UniqueConstraint("user_id", "network"),
        UniqueConstraint("network", "remote_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(32))
    remote_id: Mapped[str] = mapped_column(String(120))
    handle: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    follower_count: Mapped[int | None]
    followers_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    access_token: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(32), default=CONNECTED)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship()


class OAuthRequest(Base):
    """A sign-in sent to a network: its state and PKCE verifier wait here, not in a worker's
    memory, so any web worker can take the callback."""

    __tablename__ = "oauth_requests"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(32))
    verifier: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
