"""What background work costs and how it went: API calls per network and day, and the
outcome of each task run (so every failure reaches the admin with its reason)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from advocacy.clock import now
from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime


class ApiUsage(Base):
    """What Chorus asked of one network on one day, counted the way networks bill it:
    posts created, posts read, users read (X reads up to 100 posts in one request)."""

    __tablename__ = "api_usage"
    __table_args__ = (UniqueConstraint("day", "network", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    network: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    units: Mapped[int] = mapped_column(default=0)


class TaskRun(Base):
    """One run of a periodic task: what it did and what did not work."""

    __tablename__ = "task_runs"
    __table_args__ = (Index("ix_task_runs_task_finished_at", "task", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(60))
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    summary: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
