"""What a dashboard shows: a period (a preset or custom dates) and optional campaign,
department and network. Read from the URL, so a view can be bookmarked and shared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from advocacy.errors import ValidationFailed

# Preset -> its length in days, ending today.
PRESETS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
PRESET_LABELS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "365d": "Last 12 months",
    "month": "Last full month",
    "custom": "Custom dates",
}
DEFAULT_PRESET = "30d"
LONGEST = timedelta(days=3 * 366)  # a custom period longer than this is refused
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Filters:
    start: date  # first day, included
    end: date  # last day, included
    preset: str = DEFAULT_PRESET
    campaign_id: int | None = None
    department_id: int | None = None
    network: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> datetime:
        """The period's first moment (UTC), for comparing with stored times."""
        return datetime.combine(self.start, time.min).replace(tzinfo=UTC)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period (UTC)."""
        return datetime.combine(self.end + timedelta(days=1), time.min).replace(tzinfo=UTC)

    @property
    def grain(self) -> str:
        """Daily points up to three months, weekly beyond."""
        return "day" if self.days <= 92 else "week"

    def previous(self) -> Filters:
        """The period of the same length just before this one (for the change figures)."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    def query_args(self, **changes: object) -> dict[str, str]:
        """These filters as URL query arguments (custom dates only when custom)."""
        current = replace(self, **changes) if changes else self
        args = {"period": current.preset}
        if current.preset == "custom":
            args |= {"start": current.start.isoformat(), "end": current.end.isoformat()}
        for name in ("campaign_id", "department_id", "network"):
            value = getattr(current, name)
            if value is not None:
                args[name.removesuffix("_id")] = str(value)
        return args


def parse_filters(args: Mapping[str, str], today: date, networks: Mapping[str, str]) -> Filters:
    """Filters from URL arguments; anything malformed is refused with a message saying
    what to fix (a 400, never a silent default that shows the wrong figures)."""
    preset = args.get("period") or DEFAULT_PRESET
    if preset not in PRESET_LABELS:
        raise ValidationFailed(f"Unknown period {preset[:20]!r}: choose one of the listed periods.")
    if preset in PRESETS:
        start, end = today - timedelta(days=PRESETS[preset] - 1), today
    elif preset == "month":
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
    else:
        start, end = _date(args, "start"), _date(args, "end")
        if start > end:
            raise ValidationFailed("The period must start on or before its last day.")
        if end - start > LONGEST:
            raise ValidationFailed("Choose a period of three years or less.")
    network = args.get("network") or None
    if network is not None and network not in networks:
        raise ValidationFailed(f"Unknown network {network[:20]!r}.")
    return Filters(
        start=start,
        end=end,
        preset=preset,
        campaign_id=_id(args, "campaign"),
        department_id=_id(args, "department"),
        network=network,
    )


def _date(args: Mapping[str, str], name: str) -> date:
    raw = args.get(name) or ""
    try:
        value = date.fromisoformat(raw[:10])
    except ValueError:
        raise ValidationFailed(f"Give the {name} date as YYYY-MM-DD.") from None
    if not EARLIEST <= value <= date(2999, 12, 31):
        raise ValidationFailed(f"The {name} date is out of range.")
    return value


def _id(args: Mapping[str, str], name: str) -> int | None:
    raw = args.get(name) or ""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed(f"Unknown {name}.")
    return int(raw)
