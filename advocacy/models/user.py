from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocacy.clock import now
from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime

ROLES = ("admin", "marketer", "employee", "executive")

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    users: Mapped[list[User]] = relationship(back_populates="department")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Flask-Login's alternative id: replacing it ends every session and remember cookie.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Left out of leaderboards and "top advocates" (their own page still shows their figures).
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())

    department: Mapped[Department | None] = relationship(back_populates="users")
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, order_by=Role.name)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_names(self) -> set[str]:
        return {role.name for role in self.roles}

    def has_role(self, *names: str) -> bool:
        """True when the user holds at least one of the named roles."""
        return bool(self.role_names.intersection(names))

    def __repr__(self) -> str:
        return f"<User {self.email}>"
