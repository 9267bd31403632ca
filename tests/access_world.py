"""A small company for the access tests: one object of every kind a route takes by id,
each carrying a marker string that only some roles may ever read.

The markers are distinctive ("zq7..."), so finding one in a response body means that
response showed data of that object. `MARKERS` says which roles may see each one.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import event

from advocacy import clock, crypto
from advocacy.extensions import db
from advocacy.models import (
    Attempt,
    Campaign,
    Certification,
    ContentItem,
    EngageAsk,
    LatestMetric,
    NetworkAccount,
    OAuthRequest,
    Share,
    User,
)
from advocacy.models.shares import FAILED, IN_REVIEW, PUBLISHED, SCHEDULED
from advocacy.services import (
    archive,
    assessment,
    audit,
    campaigns,
    content,
    courses,
    engage,
    lexicon,
    media,
    rollups,
)
from advocacy.services.mail import MailSettings, send_mail
from tests.training.conftest import certify, import_folder, write_course

MARKETING = frozenset({"marketer", "admin"})
READERS = frozenset({"executive", "marketer", "admin"})
ADMIN = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()

# marker -> the roles that may see it somewhere in Chorus (the owner, Olive, is not a
# role in the matrix: every role here is someone else).
MARKERS: dict[str, frozenset[str]] = {
    "zq7olive": MARKETING,  # her name: she left the leaderboard, so only staff lists show it
    "zq7mail": MARKETING,  # her email address
    "zq7published": ADMIN,  # what she published: the archive
    "zq7scheduled": NOBODY,  # a post not out yet is hers alone
    "zq7failed": ADMIN,  # why her post failed: the background work page
    "zq7review": MARKETING,  # a flagged post waits for a marketer's review
    "zq7handle": ADMIN,  # her X account (the archive names it)
    "zq7token": NOBODY,  # an OAuth token is never shown to anyone
    "zq7state": NOBODY,  # nor a sign-in in flight
    "zq7draft": MARKETING,  # an item waiting for approval
    "zq7targeted": MARKETING,  # a live item meant for Olive's department only
    "zq7audit": ADMIN,  # an audit entry
    "zq7outbox": ADMIN,  # a mail in the outbox
    "zq7lexicon": ADMIN,  # a lexicon term
    "7,654,321": READERS,  # her post's impressions: a dashboard figure
}


@dataclass
class World:
    course_slug: str
    other: User  # Olive, an employee in the Secret department; every role's "someone else"
    marketer: User
    campaign: Campaign
    live_item: ContentItem  # in every certified employee's feed
    draft_item: ContentItem  # submitted, waiting for approval, with an uploaded image
    targeted_item: ContentItem  # live, for the Secret department only
    published: Share
    scheduled: Share
    failed: Share
    in_review: Share
    certificate: Certification
    open_attempt: Attempt
    ask: EngageAsk
    term_id: int
    oauth_state: str

    def markers(self) -> dict[str, frozenset[str]]:
        """MARKERS, with the values Chorus makes up itself (numbers, names of files)."""
        return MARKERS | {
            self.certificate.number: MARKETING,  # the certification status report
            self.draft_item.image_name: MARKETING,
            self.other.session_token: NOBODY,  # would sign anyone in as her
            self.other.password_hash: NOBODY,
        }

    def ids(self) -> dict[str, object]:
        """Route argument -> the value of a real object (see ENDPOINT_ARGS for exceptions)."""
        return {
            "user_id": self.other.id,
            "share_id": self.scheduled.id,
            "item_id": self.draft_item.id,
            "campaign_id": self.campaign.id,
            "ask_id": self.ask.id,
            "attempt_id": self.open_attempt.id,
            "term_id": self.term_id,
            "number": self.certificate.number,
            "slug": self.course_slug,
            "position": 1,
            "code": self.published.link_code,
            "name": self.draft_item.image_name,
            "network": "x",
        }

    def endpoint_ids(self) -> dict[str, dict[str, object]]:
        """Where one argument name means different objects: the one each route acts on."""
        return {
            "feed.share": {"item_id": self.live_item.id},
            "feed.retry": {"share_id": self.failed.id},
            "content.review": {"share_id": self.in_review.id},
            "dashboards.export": {"name": "advocates"},
            # the month of her published post (url_for puts it in the query string)
            "dashboards.summary": {"month": f"{self.published.published_at:%Y-%m}"},
        }


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color=0).save(buffer, "PNG")
    return buffer.getvalue()


def build_world(app, make_user: Callable[..., User], folder: Path) -> World:
    """Every object of the world, made through the services where they exist."""
    now = clock.now()
    version = import_folder(write_course(folder / "course"))
    marketer = make_user("mona@example.com", name="Mona Marketer", roles=("marketer",))
    approver = make_user("abe@example.com", name="Abe Approver", roles=("marketer",))
    other = make_user(
        "olive.zq7mail@example.com", name="Olive zq7olive", department="Secret department"
    )
    other.leaderboard_opt_out = True
    campaign = campaigns.create_campaign(
        db.session, campaigns.CampaignInput("Spring launch", "", now.date(), None), marketer
    )

    def item(title: str, *, live: bool = True, **fields) -> ContentItem:
        values = dict(
            campaign_id=campaign.id,
            url=f"https://example.com/{title.split()[0]}",
            title=title,
            summary="The story.",
            captions={"x": "Have a look", "linkedin": "Have a look"},
            hashtags="#launch",
            networks=["x", "linkedin"],
            department_ids=[],
            starts_at=now - timedelta(days=5),
            expires_at=now + timedelta(days=7),
        )
        data = content.ItemInput(**(values | fields))
        made = content.create_item(db.session, app.config, data, marketer)
        if live:
            content.submit(db.session, made, marketer)
            content.approve(db.session, made, approver)
        return made

    def image() -> str:
        return media.save_image(app.instance_path, png(), "picture.png")

    live_item = item("Launch story", image_name=image())
    targeted = item("zq7targeted item", department_ids=[other.department_id], image_name=image())
    draft = item("zq7draft plan", live=False, image_name=image())
    content.submit(db.session, draft, marketer)  # waits for another marketer's approval

    account = NetworkAccount(
        user_id=other.id,
        network="x",
        remote_id="zq7remote",
        handle="zq7handle",
        display_name="Olive",
        follower_count=4321,
        access_token=crypto.encrypt("zq7token-access"),
        refresh_token=crypto.encrypt("zq7token-refresh"),
    )
    db.session.add(account)
    db.session.add(OAuthRequest(state="zq7state", user_id=other.id, network="linkedin"))

    def share(item: ContentItem, network: str, status: str, text: str, **fields) -> Share:
        made = Share(
            user_id=other.id,
            content_item_id=item.id,
            network=network,
            text=f"{text} #employee",
            status=status,
            scheduled_for=fields.pop("scheduled_for", now - timedelta(days=2)),
            idempotency_key=f"key-{text}",
            link_code=f"code-{text}",
            **fields,
        )
        db.session.add(made)
        db.session.flush()
        return made

    published = share(
        live_item,
        "x",
        PUBLISHED,
        "zq7published",
        published_at=now - timedelta(days=2),
        remote_id="zq7post",
        follower_count=4321,
    )
    archive.record(db.session, published, account, "https://chorus.example/s/code-zq7published")
    db.session.add(LatestMetric(share_id=published.id, read_at=now, impressions=7_654_321))
    scheduled = share(
        live_item, "linkedin", SCHEDULED, "zq7scheduled", scheduled_for=now + timedelta(days=3)
    )
    failed = share(targeted, "x", FAILED, "zq7failed", failure_reason="zq7failed: X was down")
    in_review = share(targeted, "linkedin", IN_REVIEW, "zq7review", flags=["zq7review flag"])
    db.session.commit()

    for module in version.modules:
        courses.complete_module(db.session, other, module)
    open_attempt = assessment.start_attempt(db.session, other, version)
    certificate = certify(other, version, issued_at=now - timedelta(days=30))
    ask = engage.create_ask(
        db.session,
        engage.AskInput(
            post_url="https://x.com/acme/status/1234",
            actions=["like"],
            message="Give our launch post a like",
            expires_at=now + timedelta(days=3),
            campaign_id=campaign.id,
        ),
        marketer,
    )
    lexicon.add_term(db.session, "zq7lexicon", "flagged", "test", marketer)
    term_id = next(t.id for t in lexicon.terms(db.session) if t.term == "zq7lexicon")
    audit.record(db.session, "zq7audit.test", subject="zq7audit subject")
    send_mail(db.session, MailSettings(app.config), other.email, "zq7outbox", "zq7outbox body")
    db.session.commit()
    rollups.refresh(db.session, clock.now())
    return World(
        course_slug=version.course.slug,
        other=other,
        marketer=marketer,
        campaign=campaign,
        live_item=live_item,
        draft_item=draft,
        targeted_item=targeted,
        published=published,
        scheduled=scheduled,
        failed=failed,
        in_review=in_review,
        certificate=certificate,
        open_attempt=open_attempt,
        ask=ask,
        term_id=term_id,
        oauth_state="zq7state",
    )


WRITE = re.compile(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", re.IGNORECASE)


@contextmanager
def writes_to_the_database() -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements sent while the block runs ("UPDATE shares")."""
    writes: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if match := WRITE.match(statement):
            writes.append(f"{match.group(1).upper()} {match.group(2)}")

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def readable(response) -> str:
    """Everything a response tells its reader: the headers and the body, an XLSX unpacked."""
    body = response.get_data()
    if zipfile.is_zipfile(io.BytesIO(body)):
        with zipfile.ZipFile(io.BytesIO(body)) as archive_file:
            body = b"".join(archive_file.read(name) for name in archive_file.namelist())
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    return headers + "\n" + body.decode("utf-8", "replace")
