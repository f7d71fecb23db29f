"""Accounts: users, console sessions, per-user API tokens, failed logins, experts' invitations
and opinions. Secrets are kept only as digests (SHA-256 of a random token, argon2 of a
password); the cookie and the token themselves are never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from gateway.domain.access import Invitation, Role, User
from gateway.store import tables as t
from gateway.store.base import _Repository, new_id


@dataclass(frozen=True)
class SessionRow:
    user_id: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Opinion:
    opinion_id: str
    petition_id: str
    username: str
    display_name: str
    text: str
    created_at: datetime


class AccountRepository(_Repository):
    # -- users ----------------------------------------------------------------------------------

    def add(self, user: User, *, password_hash: str | None, at: datetime) -> None:
        self.c.execute(
            insert(t.users).values(
                user_id=user.user_id,
                username=user.username,
                display_name=user.display_name,
                role=user.role.value,
                organ_id=user.organ_id or None,
                portal=user.portal or None,
                password_hash=password_hash,
                disabled=user.disabled,
                created_at=at,
                updated_at=at,
            )
        )

    def by_name(self, username: str) -> tuple[User, str | None] | None:
        """The user and their password hash."""
        row = self.c.execute(select(t.users).where(t.users.c.username == username)).first()
        return None if row is None else (_user(row._mapping), row.password_hash)

    def get(self, user_id: str) -> User | None:
        row = self.c.execute(select(t.users).where(t.users.c.user_id == user_id)).first()
        return None if row is None else _user(row._mapping)

    def all(self) -> list[User]:
        rows = self.c.execute(select(t.users).order_by(t.users.c.username))
        return [_user(r._mapping) for r in rows]

    def change(self, user_id: str, *, at: datetime, **values: Any) -> None:
        self.c.execute(
            update(t.users).where(t.users.c.user_id == user_id).values(**values, updated_at=at)
        )

    def count_admins(self) -> int:
        u = t.users.c
        query = select(func.count()).where(u.role == Role.ADMIN.value, u.disabled.is_(False))
        return int(self.c.execute(query).scalar_one())

    # -- sessions -------------------------------------------------------------------------------

    def open_session(
        self, session_hash: str, user_id: str, csrf: str, *, at: datetime, until: datetime
    ) -> None:
        self.c.execute(
            insert(t.user_sessions).values(
                session_hash=session_hash,
                user_id=user_id,
                csrf_token=csrf,
                created_at=at,
                expires_at=until,
            )
        )

    def session(self, session_hash: str, *, at: datetime) -> SessionRow | None:
        """A live session (not ended, not expired)."""
        s = t.user_sessions.c
        row = self.c.execute(
            select(s.user_id, s.csrf_token, s.expires_at).where(
                s.session_hash == session_hash, s.ended_at.is_(None), s.expires_at > at
            )
        ).first()
        return None if row is None else SessionRow(row.user_id, row.csrf_token, row.expires_at)

    def end_session(self, session_hash: str, *, at: datetime) -> None:
        s = t.user_sessions.c
        self.c.execute(
            update(t.user_sessions)
            .where(s.session_hash == session_hash, s.ended_at.is_(None))
            .values(ended_at=at)
        )

    def end_sessions_of(self, user_id: str, *, at: datetime) -> int:
        s = t.user_sessions.c
        done = self.c.execute(
            update(t.user_sessions)
            .where(s.user_id == user_id, s.ended_at.is_(None))
            .values(ended_at=at)
        )
        return int(done.rowcount or 0)

    # -- tokens ---------------------------------------------------------------------------------

    def add_token(
        self, token_id: str, token_hash: str, user_id: str, label: str, *, at: datetime
    ) -> None:
        self.c.execute(
            insert(t.user_tokens).values(
                token_id=token_id,
                token_hash=token_hash,
                user_id=user_id,
                label=label,
                created_at=at,
            )
        )

    def token_user(self, token_hash: str) -> str | None:
        k = t.user_tokens.c
        return self.c.execute(
            select(k.user_id).where(k.token_hash == token_hash, k.revoked_at.is_(None))
        ).scalar_one_or_none()

    def tokens_of(self, user_id: str) -> list[dict[str, Any]]:
        k = t.user_tokens.c
        rows = self.c.execute(
            select(k.token_id, k.label, k.created_at, k.revoked_at)
            .where(k.user_id == user_id)
            .order_by(k.created_at)
        )
        return [dict(r._mapping) for r in rows]

    def revoke_token(self, token_id: str, *, at: datetime) -> str | None:
        """Revoke one token; returns its user (None if there is no such live token)."""
        k = t.user_tokens.c
        user = self.c.execute(
            select(k.user_id).where(k.token_id == token_id, k.revoked_at.is_(None))
        ).scalar_one_or_none()
        if user is not None:
            self.c.execute(
                update(t.user_tokens).where(k.token_id == token_id).values(revoked_at=at)
            )
        return user

    def revoke_tokens_of(self, user_id: str, *, at: datetime) -> None:
        k = t.user_tokens.c
        self.c.execute(
            update(t.user_tokens)
            .where(k.user_id == user_id, k.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    # -- throttling -----------------------------------------------------------------------------

    def failed_login(self, username: str, *, at: datetime) -> None:
        self.c.execute(insert(t.login_failures).values(username=username, at=at))

    def failures_since(self, username: str, since: datetime) -> int:
        f = t.login_failures.c
        query = select(func.count()).where(f.username == username, f.at >= since)
        return int(self.c.execute(query).scalar_one())

    def forget_failures(self, username: str) -> None:
        self.c.execute(delete(t.login_failures).where(t.login_failures.c.username == username))

    # -- experts --------------------------------------------------------------------------------

    def invite(
        self, user_id: str, petition_id: str, *, until: datetime, by: str, at: datetime
    ) -> str:
        invitation_id = new_id()
        self.c.execute(
            insert(t.expert_invitations).values(
                invitation_id=invitation_id,
                user_id=user_id,
                petition_id=petition_id,
                until=until,
                invited_by=by,
                created_at=at,
            )
        )
        return invitation_id

    def invitations(self, user_id: str) -> tuple[Invitation, ...]:
        i = t.expert_invitations.c
        rows = self.c.execute(
            select(i.petition_id, i.until).where(i.user_id == user_id).order_by(i.created_at)
        )
        return tuple(Invitation(r.petition_id, r.until) for r in rows)

    def add_opinion(self, petition_id: str, user_id: str, text: str, *, at: datetime) -> str:
        opinion_id = new_id()
        self.c.execute(
            insert(t.expert_opinions).values(
                opinion_id=opinion_id,
                petition_id=petition_id,
                user_id=user_id,
                text=text,
                created_at=at,
            )
        )
        return opinion_id

    def opinions(self, petition_id: str) -> list[Opinion]:
        o, u = t.expert_opinions.c, t.users.c
        rows = self.c.execute(
            select(o.opinion_id, o.petition_id, u.username, u.display_name, o.text, o.created_at)
            .join(t.users, u.user_id == o.user_id)
            .where(o.petition_id == petition_id)
            .order_by(o.created_at)
        )
        return [Opinion(*r) for r in rows]


def _user(m: Any) -> User:
    return User(
        user_id=m["user_id"],
        username=m["username"],
        display_name=m["display_name"],
        role=Role(m["role"]),
        organ_id=m["organ_id"] or "",
        portal=m["portal"] or "",
        disabled=bool(m["disabled"]),
        created_at=m["created_at"],
    )
