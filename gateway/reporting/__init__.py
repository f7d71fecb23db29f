"""Quarterly reports as documents: PDF (signed, PAdES), HTML, CSV, XLSX and JSON, the press summary,
and the signed manifest of the machine formats' digests. An output layer: it turns a
:class:`gateway.domain.reports.QuarterlyReport` into bytes and signs them; it never reads the
store or calls a use case."""
