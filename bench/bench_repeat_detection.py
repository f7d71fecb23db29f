"""Repeat-petition detection: the time to compare a 100,000-character petition (the intake
limit) with the petitioner's 200 earlier answered petitions (REPEAT_CANDIDATES), as
``check_repeat`` does at intake, against a baseline measured in the same run.

    .venv/bin/python bench/bench_repeat_detection.py [--chars 100000] [--earlier 200]

- baseline: Unicode NFC normalisation of the same texts (the first step any comparison of
  Vietnamese text needs; the floor for any implementation that reads them);
- old: the word-sequence matcher this replaced (difflib), on one pair of 2,000-word texts only
  (it is quadratic: a 100,000-character pair did not finish within 40 s).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.domain.escalation import TextProfile, normalise_text, profile_similarity
from gateway.service.escalations import REPEAT_CANDIDATES

VOCABULARY_TEXT = (
    "đường giao thông liên xã bị hư hỏng nặng sau mưa lũ người dân đi lại khó khăn đề nghị "
    "cơ quan có thẩm quyền sớm sửa chữa bảo đảm an toàn cho học sinh và bà con trong thôn "
    "thủ tục hành chính cấp giấy phép xây dựng kéo dài quá hạn cán bộ gây phiền hà nhũng nhiễu"
)
VOCABULARY = VOCABULARY_TEXT.split()


def text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(VOCABULARY)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--earlier", type=int, default=REPEAT_CANDIDATES)
    args = parser.parse_args()
    rng = random.Random(7)
    petition = text(rng, args.chars)
    earlier = [text(rng, args.chars) for _ in range(args.earlier)]

    def detect() -> None:
        profile = TextProfile.of(petition)
        for other in earlier:
            profile_similarity(profile, TextProfile.of(other))

    def floor() -> None:
        for t in [petition, *earlier]:
            unicodedata.normalize("NFC", t)

    ours, base = best_of(3, detect), best_of(3, floor)
    print(
        f"repeat detection, {args.chars:,}-char petition vs {args.earlier} earlier: "
        f"{ours * 1000:.0f} ms; NFC of the same texts {base * 1000:.0f} ms; "
        f"ratio {ours / base:.1f}x"
    )
    a, b = " ".join(petition.split()[:2000]), " ".join(earlier[0].split()[:2000])
    old = best_of(1, lambda: SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio())
    new = best_of(3, lambda: profile_similarity(TextProfile.of(a), TextProfile.of(b)))
    words = len(normalise_text(a).split())
    print(
        f"one {words:,}-word pair: old matcher {old * 1000:.0f} ms, profiles {new * 1000:.1f} ms; "
        f"{old / new:.0f}x faster"
    )


if __name__ == "__main__":
    main()
