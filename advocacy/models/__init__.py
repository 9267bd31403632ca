"""Typed SQLAlchemy 2.0 models. Tables only; rules live in advocacy.services."""

from advocacy.models.audit import AuditEvent
from advocacy.models.clicks import Click
from advocacy.models.content import (
    Campaign,
    ContentItem,
    ContentRevision,
    EngageAsk,
    Engagement,
)
from advocacy.models.login import LoginAttempt
from advocacy.models.mail import OutboxMessage
from advocacy.models.metrics import DailyMetric, LatestMetric, MetricSnapshot
from advocacy.models.networks import NetworkAccount, OAuthRequest
from advocacy.models.rollups import AdvocateTotal, RollupPendingDay, RollupState, ShareTotal
from advocacy.models.settings import LexiconTerm, Setting
from advocacy.models.shares import ArchiveRecord, Share
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
from advocacy.models.usage import ApiUsage, TaskRun
from advocacy.models.user import ROLES, Department, Role, User

__all__ = [
    "ROLES",
    "AdvocateTotal",
    "ApiUsage",
    "ArchiveRecord",
    "Attempt",
    "AttemptGrant",
    "AuditEvent",
    "Campaign",
    "Click",
    "Certification",
    "ContentItem",
    "ContentRevision",
    "Course",
    "CourseVersion",
    "DailyMetric",
    "Department",
    "EngageAsk",
    "Engagement",
    "LatestMetric",
    "LexiconTerm",
    "LoginAttempt",
    "MetricSnapshot",
    "Module",
    "ModuleCompletion",
    "NetworkAccount",
    "OAuthRequest",
    "OutboxMessage",
    "Question",
    "Role",
    "RollupPendingDay",
    "RollupState",
    "Setting",
    "ShareTotal",
    "Share",
    "TaskRun",
    "User",
]
