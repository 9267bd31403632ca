"""Column types shared by the models."""

from datetime import datetime

from sqlalchemy import DateTime, TypeDecorator

from advocacy.clock import as_utc


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp that reads back UTC-aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)
