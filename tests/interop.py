"""Where the official edXML sample packages are: ../shared/interop/edxml next to the repository
(or next to any folder above it), or wherever PAKN_INTEROP_DIR points. Tests read them there and
skip only when the folder is absent; they are never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _find() -> Path:
    override = os.environ.get("PAKN_INTEROP_DIR")
    if override:
        return Path(override)
    for folder in REPO.parents:
        candidate = folder / "shared" / "interop" / "edxml"
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "interop" / "edxml"


INTEROP = _find()
