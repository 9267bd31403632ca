"""Typed SQLAlchemy 2.0 models. Tables only; rules live in advocacy.services."""

from advocacy.models.audit import AuditEvent
from advocacy.models.login import LoginAttempt
from advocacy.models.mail import OutboxMessage
from advocacy.models.networks import NetworkAccount, OAuthRequest
from advocacy.models.training import (
    Attempt,
    AttemptGrant,
    Certification,
    Course,
    CourseVersion,
    Module,
    ModuleCompletion,
    Question,
)
from advocacy.models.user import ROLES, Department, Role, User

__all__ = [
    "ROLES",
    "Attempt",
    "AttemptGrant",
    "AuditEvent",
    "Certification",
    "Course",
    "CourseVersion",
    "Department",
    "LoginAttempt",
    "Module",
    "ModuleCompletion",
    "NetworkAccount",
    "OAuthRequest",
    "OutboxMessage",
    "Question",
    "Role",
    "User",
]
