"""The company's screening rules: the lexicon the admin edits, the disclosure and the sites
captions may link to, gathered into one `compliance.Rules`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from advocacy import compliance
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import LexiconTerm, User
from advocacy.services import audit, settings
from advocacy.services.users import checked_text

SEVERITIES = tuple(s.value for s in compliance.Severity)
DOMAIN = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"


def rules(session: Session, config: Mapping) -> compliance.Rules:
    """What every caption is screened against; Chorus's own address is always approved."""
    terms = tuple(
        compliance.Term(t.term, compliance.Severity(t.severity), t.category)
        for t in session.scalars(select(LexiconTerm).order_by(LexiconTerm.term))
    )
    own_host = urlsplit(config["BASE_URL"]).hostname or ""
    domains = tuple(dict.fromkeys([own_host, *settings.get(session, "approved_domains")]))
    return compliance.Rules(
        terms=terms,
        disclosure=settings.get(session, "disclosure"),
        approved_domains=tuple(d for d in domains if d),
    )


def terms(session: Session) -> list[LexiconTerm]:
    return list(
        session.scalars(select(LexiconTerm).order_by(LexiconTerm.severity, LexiconTerm.term))
    )


def add_term(session: Session, text: str, severity: str, category: str, actor: User) -> None:
    term = checked_text(text, "term", 200).casefold()
    if not term:
        raise ValidationFailed("Type the word or phrase to screen for.")
    if severity not in SEVERITIES:
        raise ValidationFailed(f"Choose one of: {', '.join(SEVERITIES)}.")
    if session.scalar(select(LexiconTerm).where(LexiconTerm.term == term)) is not None:
        raise ValidationFailed(f'"{term}" is already in the lexicon.')
    category = checked_text(category, "category", 60)
    session.add(LexiconTerm(term=term, severity=severity, category=category, added_by_id=actor.id))
    audit.record(session, "lexicon.added", actor=actor, subject=term, severity=severity)
    session.commit()


def remove_term(session: Session, term_id: int, actor: User) -> str:
    term = session.get(LexiconTerm, term_id)
    if term is None:
        raise NotFound("That term is no longer in the lexicon.")
    session.delete(term)
    audit.record(session, "lexicon.removed", actor=actor, subject=term.term)
    session.commit()
    return term.term


def install_starter_terms(session: Session, actor: User | None = None) -> int:
    """Add the shipped starter list (terms already present are left as they are)."""
    present = set(session.scalars(select(LexiconTerm.term)))
    added = 0
    for term in compliance.starter_terms():
        key = term.text.casefold()
        if key not in present:
            session.add(LexiconTerm(term=key, severity=term.severity.value, category=term.category))
            present.add(key)
            added += 1
    if added:
        audit.record(session, "lexicon.starter_installed", actor=actor, subject=f"{added} terms")
    session.commit()
    return added


def update_settings(
    session: Session, disclosure: str, domains_text: str, approval: bool, actor: User
) -> None:
    """The admin's compliance settings form."""
    disclosure = checked_text(disclosure, "disclosure", 60)
    domains = []
    for raw in domains_text.replace(",", "\n").splitlines():
        domain = raw.strip().lower().removeprefix("www.")
        if not domain:
            continue
        if not re.fullmatch(DOMAIN, domain):
            raise ValidationFailed(f'"{raw}" is not a domain name such as example.com.')
        domains.append(domain)
    settings.put(session, "disclosure", disclosure, actor)
    settings.put(session, "approved_domains", sorted(set(domains)), actor)
    settings.put(session, "content_approval_required", approval, actor)
    session.commit()
