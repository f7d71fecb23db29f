"""Retry backoff: capped exponential, with switchable jitter."""

import random

import pytest

from gateway.domain.delivery import compute_backoff


def test_without_jitter_the_delay_doubles_each_attempt_until_the_cap():
    delays = [compute_backoff(n, base=1, cap=10, jitter=False) for n in range(1, 7)]
    assert delays == [1, 2, 4, 8, 10, 10]


def test_with_jitter_the_delay_stays_within_the_upper_half_of_the_exponential_step():
    rand = random.Random(7)
    for attempt in range(1, 12):
        full = compute_backoff(attempt, base=0.5, cap=60, jitter=False)
        delay = compute_backoff(attempt, base=0.5, cap=60, rand=rand)
        assert full / 2 <= delay <= full


def test_jitter_spreads_retries_that_fail_together():
    rand = random.Random(1)
    assert len({compute_backoff(5, rand=rand) for _ in range(20)}) > 10


def test_attempts_count_from_one():
    with pytest.raises(ValueError):
        compute_backoff(0)
