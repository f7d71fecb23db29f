"""Repeat and disagreement detection compare bounded profiles of the texts: the cost does not
grow with what a citizen typed beyond the compared window, and rewording still matches."""

from __future__ import annotations

import random

from gateway.domain.escalation import (
    COMPARED_CHARS,
    TextProfile,
    similarity,
)

WORDS_TEXT = (
    "đường giao thông liên xã bị hư hỏng nặng sau mưa lũ người dân đi lại khó khăn đề nghị "
    "cơ quan có thẩm quyền sớm sửa chữa bảo đảm an toàn cho học sinh và bà con trong thôn"
)
WORDS = WORDS_TEXT.split()


def long_text(seed: int, n_words: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def test_word_order_counts_as_well_as_the_words():
    text = " ".join(WORDS)
    shuffled = WORDS[:]
    random.Random(1).shuffle(shuffled)
    assert similarity(text, text) == 1.0
    assert similarity(text, " ".join(shuffled)) < similarity(text, text + " xin cảm ơn")


def test_a_text_quoted_inside_a_longer_one_is_a_repeat():
    text = " ".join(WORDS)
    again = "Tôi đã gửi phản ánh nhưng chưa được giải quyết: " + text + " Rất mong được trả lời."
    assert similarity(again, text) >= 0.8


def test_only_the_start_and_the_end_of_a_long_text_are_compared():
    start, middle, end = long_text(1, 2000), long_text(2, 5000), long_text(3, 2000)
    other_middle = long_text(4, 5000)
    profile = TextProfile.of(f"{start} {middle} {end}")
    assert profile.words.total() <= 2 * COMPARED_CHARS
    assert profile == TextProfile.of(f"{start} {other_middle} {end}")


def test_what_is_compared_is_bounded_whatever_the_length():
    # 20,000 words (~130,000 characters): the old word-sequence matcher took tens of seconds
    # on such a pair. A profile holds at most the words of 2 x COMPARED_CHARS characters (each
    # word at least one letter and a separator), so a comparison is bounded; its time is
    # measured in bench/bench_repeat_detection.py, not here.
    for seed in (5, 6):
        profile = TextProfile.of(long_text(seed, 20_000))
        assert profile.words.total() <= COMPARED_CHARS + 1
        assert profile.pairs.total() == profile.words.total() - 1


def test_empty_texts_are_never_alike():
    assert similarity("", "") == 0.0
    assert similarity("!!!", " ".join(WORDS)) == 0.0
