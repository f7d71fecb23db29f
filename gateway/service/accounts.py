"""Accounts: users and their roles, passwords (argon2id), console sessions, per-user API tokens,
login throttling, and experts invited to escalated cases. Every change is audited; no secret is
stored, logged or audited in the clear (a session or token is kept as its SHA-256, a password as
its argon2 hash).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.domain.access import Action, Principal, Role, User
from gateway.domain.audit import AuditAction
from gateway.errors import (
    IllegalTransition,
    InputInvalid,
    NotFound,
    StoreConflict,
    TooManyRequests,
    Unauthorized,
)
from gateway.service.access import authorize, authorize_petition
from gateway.service.services import Services
from gateway.store.accounts import Opinion
from gateway.store.base import new_id
from gateway.store.uow import UnitOfWork

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MIN_PASSWORD = 12
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))  # same work for unknown user names


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: Role
    organ_id: str = ""
    portal: str = ""


@dataclass(frozen=True)
class Login:
    """A new console session: the cookie's secret (given to the browser once) and its CSRF
    token."""

    secret: str
    csrf: str
    principal: Principal
    expires_at: datetime


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normal_name(username: str) -> str:
    return unicodedata.normalize("NFC", username).strip().casefold()


# -- users ---------------------------------------------------------------------------------------


def add_user(
    svc: Services, new: NewUser, *, by: Principal, password: str | None = None
) -> tuple[User, str | None]:
    """Add an account. Returns it and, when no password was given and the role logs in
    (every role but ``portal``), a generated one to hand over once."""
    authorize(by, Action.USER_MANAGE)
    name = normal_name(new.username)
    if not _NAME.match(name):
        raise InputInvalid(
            "a user name is 2–64 characters: letters a–z, digits, and . _ @ - (not first)"
        )
    if not new.display_name.strip():
        raise InputInvalid("a user needs a display name (họ và tên)")
    organ_id, portal = new.organ_id.strip(), new.portal.strip()
    if (new.role is Role.AGENCY) != bool(organ_id):
        raise InputInvalid("an agency account (and only one) names its agency: --agency ORGAN_ID")
    if (new.role is Role.PORTAL) != bool(portal):
        raise InputInvalid("a portal account (and only one) names its portal: --portal NAME")
    portals = svc.intake_policy.portals
    if portal and portal not in portals:
        raise InputInvalid(f"unknown portal {portal!r}: one of {', '.join(portals)}")
    generated = None
    if password is None and new.role is not Role.PORTAL:
        password = generated = secrets.token_urlsafe(12)
    if password is not None:
        _check_password(password)
    at = svc.clock.now()
    user = User(new_id(), name, new.display_name.strip(), new.role, organ_id, portal, False, at)
    with svc.store.unit_of_work() as uow:
        if organ_id and uow.agencies.get(organ_id) is None:
            raise NotFound(f"no agency {organ_id}")
        if uow.accounts.by_name(name) is not None:
            raise StoreConflict(f"user {name} exists")
        uow.accounts.add(user, password_hash=_hasher.hash(password) if password else None, at=at)
        uow.audit.record(
            AuditAction.USER_ADDED,
            actor=by.actor,
            at=at,
            organ_id=organ_id or None,
            username=name,
            role=new.role.value,
            portal=portal,
        )
        uow.commit()
    return user, generated


def list_users(svc: Services, *, by: Principal) -> list[User]:
    authorize(by, Action.USER_MANAGE)
    with svc.store.unit_of_work() as uow:
        return uow.accounts.all()


def set_disabled(svc: Services, username: str, disabled: bool, *, by: Principal) -> User:
    """Disable (or enable) an account: a disabled user's sessions and tokens stop at once."""
    authorize(by, Action.USER_MANAGE)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        user = _user(uow, username)
        last_admin = user.role is Role.ADMIN and uow.accounts.count_admins() <= 1
        if disabled and not user.disabled and last_admin:
            raise IllegalTransition("the last administrator cannot be disabled", target="")
        uow.accounts.change(user.user_id, at=at, disabled=disabled)
        if disabled:
            uow.accounts.end_sessions_of(user.user_id, at=at)
        uow.audit.record(
            AuditAction.USER_CHANGED,
            actor=by.actor,
            at=at,
            username=user.username,
            change="disabled" if disabled else "enabled",
        )
        uow.commit()
    return _fresh(svc, user.user_id)


def set_role(
    svc: Services,
    username: str,
    role: Role,
    *,
    by: Principal,
    organ_id: str = "",
    portal: str = "",
) -> User:
    """Change an account's role: its sessions end (the next login carries the new rights)."""
    authorize(by, Action.USER_MANAGE)
    if (role is Role.AGENCY) != bool(organ_id) or (role is Role.PORTAL) != bool(portal):
        raise InputInvalid("an agency role names its agency, a portal role its portal")
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        user = _user(uow, username)
        if user.role is Role.ADMIN and role is not Role.ADMIN and uow.accounts.count_admins() <= 1:
            raise IllegalTransition("the last administrator keeps the admin role", target="")
        uow.accounts.change(
            user.user_id, at=at, role=role.value, organ_id=organ_id or None, portal=portal or None
        )
        uow.accounts.end_sessions_of(user.user_id, at=at)
        uow.audit.record(
            AuditAction.USER_CHANGED,
            actor=by.actor,
            at=at,
            username=user.username,
            change="role",
            previous=user.role.value,
            role=role.value,
            organ_id=organ_id or None,
        )
        uow.commit()
    return _fresh(svc, user.user_id)


def reset_password(
    svc: Services, username: str, *, by: Principal, password: str | None = None
) -> str:
    """Set a new password (generated unless given): the user's sessions end. Returns it, to
    hand over once."""
    authorize(by, Action.USER_MANAGE)
    password = password or secrets.token_urlsafe(12)
    _check_password(password)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        user = _user(uow, username)
        _set_password(uow, user, password, change="password_reset", actor=by.actor, at=at)
        uow.accounts.end_sessions_of(user.user_id, at=at)
        uow.accounts.forget_failures(user.username)
        uow.commit()
    return password


def change_own_password(svc: Services, by: Principal, current: str, new: str) -> None:
    """A user changes their own password (the current one is asked again); their other sessions
    end, this one goes on."""
    _check_password(new)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        found = uow.accounts.by_name(by.username)
        if found is None or not _password_matches(found[1] or _DUMMY_HASH, current):
            raise Unauthorized("the current password is wrong")
        _set_password(uow, found[0], new, change="password_changed", actor=by.actor, at=at)
        uow.commit()


# -- console sessions ------------------------------------------------------------------------------


def log_in(svc: Services, username: str, password: str) -> Login:
    """Check a password and open a session. Too many failures for one user name within the
    window refuse even the right password (TooManyRequests) until the window has passed; a
    wrong name or password, a disabled account or one without a password are one answer."""
    name = normal_name(username)
    at = svc.clock.now()
    window = at - timedelta(minutes=svc.account_policy.login_window_minutes)
    with svc.store.unit_of_work() as uow:
        if uow.accounts.failures_since(name, window) >= svc.account_policy.login_max_failures:
            raise TooManyRequests(
                "too many failed logins for this user name: try again later",
                retry_after=int(svc.account_policy.login_window_minutes * 60),
            )
        found = uow.accounts.by_name(name)
    user, stored = found if found is not None else (None, None)
    if not _password_matches(stored or _DUMMY_HASH, password) or user is None or user.disabled:
        with svc.store.unit_of_work() as uow:
            uow.accounts.failed_login(name, at=at)
            uow.commit()
        raise Unauthorized("wrong user name or password")
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    until = at + timedelta(hours=svc.account_policy.session_hours)
    with svc.store.unit_of_work() as uow:
        uow.accounts.open_session(digest(secret), user.user_id, csrf, at=at, until=until)
        uow.accounts.forget_failures(name)
        if stored is not None and _hasher.check_needs_rehash(stored):
            uow.accounts.change(user.user_id, at=at, password_hash=_hasher.hash(password))
        uow.audit.record(AuditAction.USER_LOGGED_IN, actor=f"user:{name}", at=at, username=name)
        principal = _principal(uow, user)
        uow.commit()
    return Login(secret, csrf, principal, until)


def session_principal(svc: Services, secret: str) -> tuple[Principal, str] | None:
    """The principal of a live session and its CSRF token (None when the session has ended,
    expired, or its user was disabled)."""
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        session = uow.accounts.session(digest(secret), at=at)
        if session is None:
            return None
        user = uow.accounts.get(session.user_id)
        if user is None or user.disabled:
            return None
        return _principal(uow, user), session.csrf_token


def log_out(svc: Services, secret: str) -> None:
    with svc.store.unit_of_work() as uow:
        uow.accounts.end_session(digest(secret), at=svc.clock.now())
        uow.commit()


# -- API tokens ----------------------------------------------------------------------------------


def issue_token(svc: Services, username: str, label: str, *, by: Principal) -> tuple[str, str]:
    """A new API token for ``username``: returns (token id, token). The token is shown once and
    kept only as its SHA-256."""
    authorize(by, Action.USER_MANAGE)
    token = "pakn_" + secrets.token_urlsafe(32)
    token_id = new_id()
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        user = _user(uow, username)
        uow.accounts.add_token(token_id, digest(token), user.user_id, label.strip(), at=at)
        uow.audit.record(
            AuditAction.USER_TOKEN_ISSUED,
            actor=by.actor,
            at=at,
            username=user.username,
            token_id=token_id,
            label=label.strip(),
        )
        uow.commit()
    return token_id, token


def revoke_token(svc: Services, token_id: str, *, by: Principal) -> None:
    authorize(by, Action.USER_MANAGE)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        user_id = uow.accounts.revoke_token(token_id, at=at)
        if user_id is None:
            raise NotFound(f"no live token {token_id}")
        uow.audit.record(AuditAction.USER_TOKEN_REVOKED, actor=by.actor, at=at, token_id=token_id)
        uow.commit()


def token_principal(svc: Services, token: str) -> Principal | None:
    """The principal of a live per-user token (None if unknown, revoked, or its user is
    disabled)."""
    with svc.store.unit_of_work() as uow:
        user_id = uow.accounts.token_user(digest(token))
        user = uow.accounts.get(user_id) if user_id else None
        if user is None or user.disabled:
            return None
        return _principal(uow, user)


# -- experts ---------------------------------------------------------------------------------------


def invite_expert(
    svc: Services, username: str, petition_id: str, *, days: int, by: Principal
) -> datetime:
    """Invite an expert account to one escalated petition's masked file, for ``days`` days."""
    authorize(by, Action.EXPERT_INVITE)
    if not 1 <= days <= 365:
        raise InputInvalid("an invitation lasts 1 to 365 days")
    at = svc.clock.now()
    until = at + timedelta(days=days)
    with svc.store.unit_of_work() as uow:
        user = _user(uow, username)
        if user.role is not Role.EXPERT:
            raise InputInvalid(f"{user.username} is not an expert account (role {user.role})")
        if uow.petitions.get(petition_id) is None:
            raise NotFound(f"no petition {petition_id}")
        if not uow.escalations.escalations_for(petition_id):
            raise IllegalTransition(
                f"petition {petition_id} has not been escalated: experts are invited to "
                "escalated cases",
                target="invited",
            )
        uow.accounts.invite(user.user_id, petition_id, until=until, by=by.actor, at=at)
        uow.audit.record(
            AuditAction.EXPERT_INVITED,
            actor=by.actor,
            at=at,
            petition_id=petition_id,
            username=user.username,
            until=until.isoformat(),
        )
        uow.commit()
    return until


def write_opinion(svc: Services, petition_id: str, text: str, *, by: Principal) -> str:
    """An invited expert's opinion on the petition, recorded in the audit trail."""
    authorize(by, Action.OPINION_WRITE)
    authorize_petition(svc, by, Action.OPINION_WRITE, petition_id)
    text = unicodedata.normalize("NFC", text).strip()
    if not 1 <= len(text) <= 20_000:
        raise InputInvalid("an opinion is 1 to 20,000 characters")
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        opinion_id = uow.accounts.add_opinion(petition_id, by.user_id, text, at=at)
        uow.audit.record(
            AuditAction.EXPERT_OPINION,
            actor=by.actor,
            at=at,
            petition_id=petition_id,
            opinion_id=opinion_id,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )
        uow.commit()
    return opinion_id


def opinions(svc: Services, petition_id: str, *, by: Principal) -> list[Opinion]:
    authorize_petition(svc, by, Action.PETITION_READ, petition_id)
    with svc.store.unit_of_work() as uow:
        return uow.accounts.opinions(petition_id)


# -- helpers ---------------------------------------------------------------------------------------


def _set_password(
    uow: UnitOfWork, user: User, password: str, *, change: str, actor: str, at: datetime
) -> None:
    """Store ``password``'s argon2 hash for ``user``, audited as ``change`` (never the
    password)."""
    uow.accounts.change(user.user_id, at=at, password_hash=_hasher.hash(password))
    uow.audit.record(
        AuditAction.USER_CHANGED, actor=actor, at=at, username=user.username, change=change
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputInvalid(f"a password has at least {MIN_PASSWORD} characters")


def _password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _user(uow: UnitOfWork, username: str) -> User:
    found = uow.accounts.by_name(normal_name(username))
    if found is None:
        raise NotFound(f"no user {normal_name(username)}")
    return found[0]


def _fresh(svc: Services, user_id: str) -> User:
    with svc.store.unit_of_work() as uow:
        user = uow.accounts.get(user_id)
    if user is None:  # pragma: no cover - users are never deleted
        raise NotFound(f"no user {user_id}")
    return user


def _principal(uow: UnitOfWork, user: User) -> Principal:
    invitations = uow.accounts.invitations(user.user_id) if user.role is Role.EXPERT else ()
    return Principal(
        user.user_id,
        user.username,
        user.role,
        organ_id=user.organ_id,
        portal=user.portal,
        invitations=invitations,
    )
