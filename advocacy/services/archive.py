"""The write-once record of every published text, searchable and exportable by admins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from advocacy.models import ArchiveRecord, NetworkAccount, Share
from advocacy.services.networks import shown_handle

CSV_COLUMNS = (
    "published_at", "user_email", "user_name", "network", "account", "account_id", "text",
    "link", "remote_id", "remote_url", "content_title", "campaign", "approved_by",
)  # fmt: skip


def record(session: Session, share: Share, account: NetworkAccount, link: str) -> ArchiveRecord:
    """Keep exactly what went out; the caller commits together with the share."""
    entry = ArchiveRecord(
        published_at=share.published_at,
        share_id=share.id,
        user_id=share.user_id,
        user_email=share.user.email,
        user_name=share.user.name,
        network=share.network,
        account_handle=shown_handle(account),
        account_remote_id=account.remote_id,
        text=share.text,
        link=link,
        remote_id=share.remote_id,
        remote_url=share.remote_url,
        content_title=share.item.title,
        campaign_name=share.item.campaign.name,
        approved_by=share.reviewed_by.email if share.reviewed_by else None,
        details={"flags": share.flags, "content_item_id": share.content_item_id},
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class ArchiveFilter:
    text: str = ""
    network: str = ""
    start: datetime | None = None
    end: datetime | None = None


def _query(filters: ArchiveFilter) -> Select:
    query = select(ArchiveRecord).order_by(ArchiveRecord.published_at.desc(), ArchiveRecord.id)
    if filters.text:
        needle = filters.text.lower()
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        ArchiveRecord.text,
                        ArchiveRecord.user_email,
                        ArchiveRecord.user_name,
                        ArchiveRecord.campaign_name,
                        ArchiveRecord.content_title,
                    )
                )
            )
        )
    if filters.network:
        query = query.where(ArchiveRecord.network == filters.network)
    if filters.start:
        query = query.where(ArchiveRecord.published_at >= filters.start)
    if filters.end:
        query = query.where(ArchiveRecord.published_at < filters.end)
    return query


def search(
    session: Session, filters: ArchiveFilter, page: int = 1, per_page: int = 50
) -> tuple[list[ArchiveRecord], bool]:
    rows = list(session.scalars(_query(filters).offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


def csv_lines(session: Session, filters: ArchiveFilter) -> Iterator[str]:
    """The matching records as CSV, streamed in batches (the archive grows for years)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in session.scalars(_query(filters).execution_options(yield_per=500)):
        writer.writerow(
            [
                entry.published_at.isoformat(),
                entry.user_email,
                entry.user_name,
                entry.network,
                entry.account_handle,
                entry.account_remote_id,
                entry.text,
                entry.link,
                entry.remote_id,
                entry.remote_url or "",
                entry.content_title,
                entry.campaign_name,
                entry.approved_by or "",
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
