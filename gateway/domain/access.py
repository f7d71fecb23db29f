"""Who may do what: roles, actions and the one table of rules between them.

Every entry point (the API, the console, the CLI) asks :func:`allowed` through the service layer
(gateway/service/access.py, through :meth:`Principal.may`) before it calls a use case, so
they cannot disagree. A role's rights
come only from :data:`RULES`; what a principal may see is narrowed further by its scope: an
agency's staff see their own agency's cases, a portal the petitions it submitted, an expert the
cases they were invited to, until the invitation ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"  # VPCP: routes, re-routes, recalls, escalates, publishes, closes
    AUDITOR = "auditor"  # reads everything, verifies the audit trail; changes nothing
    ADMIN = "admin"  # agencies, certificates, adapters, dead letters, users
    AGENCY = "agency"  # staff of one agency: that agency's cases, read-only
    EXPERT = "expert"  # invited to escalated cases: their masked file, an opinion
    PORTAL = "portal"  # a petition portal's system account: submits, reads its own


ROLE_LABELS = {
    Role.OPERATOR: "Chuyên viên VPCP",
    Role.AUDITOR: "Kiểm toán viên",
    Role.ADMIN: "Quản trị hệ thống",
    Role.AGENCY: "Cán bộ cơ quan",
    Role.EXPERT: "Chuyên gia được mời",
    Role.PORTAL: "Cổng tiếp nhận (tài khoản hệ thống)",
}


class Action(StrEnum):
    PETITION_SUBMIT = "petition.submit"
    PETITION_READ = "petition.read"
    PETITION_LIST = "petition.list"
    PETITION_ROUTE = "petition.route"  # also re-routing a returned petition
    PETITION_RECALL = "petition.recall"
    PETITION_ESCALATE = "petition.escalate"
    ESCALATION_DECIDE = "escalation.decide"
    PETITION_MARK_USEFUL = "petition.mark_useful"
    PETITION_PUBLISH = "petition.publish"
    PETITION_CLOSE = "petition.close"
    DOCUMENT_READ = "document.read"
    DOCUMENT_VERIFY = "document.verify"
    RECEIPT_READ = "receipt.read"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_EXPORT = "audit.export"
    REPORT_READ = "report.read"
    REPORT_ISSUE = "report.issue"
    ADMIN_READ = "admin.read"  # agencies, certificates, adapters, dead letters, as they stand
    AGENCY_MANAGE = "agency.manage"
    CERTIFICATE_MANAGE = "certificate.manage"
    ADAPTER_MANAGE = "adapter.manage"
    DEAD_LETTER_MANAGE = "dead_letter.manage"
    USER_MANAGE = "user.manage"
    EXPERT_INVITE = "expert.invite"
    OPINION_WRITE = "opinion.write"
    DASHBOARD_READ = "dashboard.read"


_O, _A, _D, _G, _E, _P = (
    Role.OPERATOR,
    Role.AUDITOR,
    Role.ADMIN,
    Role.AGENCY,
    Role.EXPERT,
    Role.PORTAL,
)
RULES: dict[Action, frozenset[Role]] = {
    Action.PETITION_SUBMIT: frozenset({_O, _P}),
    Action.PETITION_READ: frozenset({_O, _A, _G, _E, _P}),  # scoped for agency, expert, portal
    Action.PETITION_LIST: frozenset({_O, _A, _G, _P}),
    Action.PETITION_ROUTE: frozenset({_O}),
    Action.PETITION_RECALL: frozenset({_O}),
    Action.PETITION_ESCALATE: frozenset({_O}),
    Action.ESCALATION_DECIDE: frozenset({_O}),
    Action.PETITION_MARK_USEFUL: frozenset({_O}),
    Action.PETITION_PUBLISH: frozenset({_O}),
    Action.PETITION_CLOSE: frozenset({_O}),
    Action.DOCUMENT_READ: frozenset({_O, _A, _G}),  # an agency: its own documents
    Action.DOCUMENT_VERIFY: frozenset({_O, _A, _G}),
    Action.RECEIPT_READ: frozenset({_O, _A, _P}),
    Action.AUDIT_READ: frozenset({_O, _A}),
    Action.AUDIT_VERIFY: frozenset({_O, _A}),
    Action.AUDIT_EXPORT: frozenset({_O, _A}),
    Action.REPORT_READ: frozenset({_O, _A, _D}),
    Action.REPORT_ISSUE: frozenset({_O}),
    Action.ADMIN_READ: frozenset({_D, _A}),
    Action.AGENCY_MANAGE: frozenset({_D}),
    Action.CERTIFICATE_MANAGE: frozenset({_D}),
    Action.ADAPTER_MANAGE: frozenset({_D}),
    Action.DEAD_LETTER_MANAGE: frozenset({_D}),
    Action.USER_MANAGE: frozenset({_D}),
    Action.EXPERT_INVITE: frozenset({_O}),
    Action.OPINION_WRITE: frozenset({_E}),
    Action.DASHBOARD_READ: frozenset({_O, _A, _D}),
}
"""The rights of each role. A new Action without a rule fails tests/unit/test_access.py."""

SCOPED = frozenset({Role.AGENCY, Role.EXPERT, Role.PORTAL})
"""Roles that see only some petitions (see :meth:`Principal.sees`)."""


@dataclass(frozen=True)
class Invitation:
    """An expert's access to one petition's file, until ``until``."""

    petition_id: str
    until: datetime


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (by session or token), or the bootstrap token (``system``)."""

    user_id: str
    username: str
    role: Role
    organ_id: str = ""  # an agency's staff: their agency
    portal: str = ""  # a portal account: the channel it submits for (nguoidan, doanhnghiep, …)
    invitations: tuple[Invitation, ...] = field(default=())
    system: bool = False
    """The bootstrap token (GATEWAY_API_TOKEN): every right, for installing and for the systems
    that used the single operator token before accounts existed."""

    @property
    def actor(self) -> str:
        """How the audit trail names this principal: a user as ``user:NAME``; the bootstrap
        token as ``api``, the CLI as ``cli``."""
        return self.username if self.system else f"user:{self.username}"

    def may(self, action: Action) -> bool:
        return self.system or self.role in RULES[action]

    def sees(
        self, *, petition_id: str, organ_ids: frozenset[str], portal: str, at: datetime
    ) -> bool:
        """Whether this principal may see that petition at all (whatever the action)."""
        if self.system or self.role not in SCOPED:
            return True
        if self.role is Role.AGENCY:
            return bool(self.organ_id) and self.organ_id in organ_ids
        if self.role is Role.PORTAL:
            return bool(self.portal) and self.portal == portal
        return any(i.petition_id == petition_id and at < i.until for i in self.invitations)


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    display_name: str
    role: Role
    organ_id: str = ""
    portal: str = ""
    disabled: bool = False
    created_at: datetime | None = None
