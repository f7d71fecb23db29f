"""Nhật ký kiểm toán, the use cases: sealing the chain head (:mod:`seal`), a petition's readable
timeline (:mod:`trail`), its evidence bundle (:mod:`export`), and verifying the whole trail
(:mod:`verify`). They reach the chain through the unit of work (``uow.audit``, ``uow.seals``);
the chain itself is pure (:mod:`gateway.domain.audit`), and a bundle is verified offline by
:mod:`gateway.audit.offline`.
"""
