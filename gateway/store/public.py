"""The published replies the public pages show (table ``public_replies``): written once when a
case is published, already masked; the public pages read nothing else."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from gateway.domain.publication import PublicReply, ReplyPage, ReplyQuery
from gateway.store import tables as t
from gateway.store.base import _Repository

_FIELDS = tuple(f for f in PublicReply.__dataclass_fields__)


class PublicRepository(_Repository):
    def put(self, reply: PublicReply) -> None:
        values = {f: getattr(reply, f) for f in _FIELDS}
        self.c.execute(insert(t.public_replies).values(**values, search_text=reply.search_text))

    def get(self, case_id: int) -> PublicReply | None:
        row = self.c.execute(
            select(t.public_replies).where(t.public_replies.c.case_id == case_id)
        ).first()
        return None if row is None else _reply(row._mapping)

    def search(self, query: ReplyQuery) -> ReplyPage:
        """The replies that match, newest published first, one page of them, and how many match."""
        r = t.public_replies.c
        where: list[Any] = []
        if query.text.strip():
            needle = query.text.strip().casefold()
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(r.search_text.like(f"%{escaped}%", escape="\\"))
        if query.organ_id:
            where.append(r.organ_id == query.organ_id)
        if query.category:
            where.append(r.category == query.category)
        if query.since is not None:
            where.append(r.published_at >= query.since)
        if query.until is not None:
            where.append(r.published_at < query.until)
        total = self.c.execute(select(func.count()).select_from(t.public_replies).where(*where))
        rows = self.c.execute(
            select(t.public_replies)
            .where(*where)
            .order_by(r.published_at.desc(), r.case_id.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        return ReplyPage([_reply(row._mapping) for row in rows], int(total.scalar_one()))

    def organs(self) -> list[str]:
        """The agencies with at least one published reply."""
        r = t.public_replies.c
        return list(self.c.execute(select(r.organ_id).distinct().order_by(r.organ_id)).scalars())


def _reply(m: Any) -> PublicReply:
    return PublicReply(**{f: m[f] for f in _FIELDS})
