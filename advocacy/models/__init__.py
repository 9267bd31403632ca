"""Typed SQLAlchemy 2.0 models. Tables only; rules live in advocacy.services."""

from advocacy.models.audit import AuditEvent
from advocacy.models.mail import OutboxMessage
from advocacy.models.user import ROLES, Department, Role, User

__all__ = ["ROLES", "AuditEvent", "Department", "OutboxMessage", "Role", "User"]
