"""Signatures, retry delays and the order in which webhook events may go, on plain data."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from wms.webhook_signing import Waiting, backoff_s, sendable, sign, verify

BODY = b'{"id": "e1", "kind": "accepted"}'


def test_a_signature_verifies_with_the_same_secret_and_body_only():
    header = sign("s3cret", BODY, 1_764_639_600)
    assert header.startswith("t=1764639600,v1=")
    assert verify("s3cret", BODY, header, now=1_764_639_600)
    assert not verify("other", BODY, header, now=1_764_639_600)
    assert not verify("s3cret", BODY + b" ", header, now=1_764_639_600)
    assert not verify("s3cret", BODY, None, now=1_764_639_600)
    assert not verify("s3cret", BODY, "v1=abc", now=1_764_639_600)


def test_a_signature_older_than_the_tolerance_is_refused():
    header = sign("s3cret", BODY, 1_000)
    assert verify("s3cret", BODY, header, now=1_000 + 300)
    assert not verify("s3cret", BODY, header, now=1_000 + 301)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"42." + BODY, hashlib.sha256).hexdigest()
    assert sign("k", BODY, 42) == f"t=42,v1={expected}"


@given(st.integers(1, 30), st.integers(0, 2**32))
def test_backoff_doubles_within_jitter_and_stops_at_the_cap(attempts, seed):
    rng = random.Random(seed)
    delay = backoff_s(attempts, base_s=2, cap_s=600, rng=rng)
    full = min(600, 2 * 2 ** (attempts - 1))
    assert full / 2 <= delay <= full


def test_backoff_grows_from_attempt_to_attempt():
    rng = random.Random(1)
    lows = [backoff_s(n, base_s=1, cap_s=1000, rng=rng) for n in range(1, 8)]
    # With equal jitter each delay is at least half its full value, which doubles.
    assert all(b >= 2 ** (n - 1) / 2 for n, b in enumerate(lows, start=1))
    assert lows[-1] > lows[0]
    assert backoff_s(0, base_s=1, cap_s=10) == 0


def _w(i, order, seq, *, sub=1, due=True):
    return Waiting(id=i, subscription_id=sub, order_ref=order, sequence=seq, due=due)


def test_only_the_earliest_waiting_event_of_an_order_may_go():
    waiting = [_w(1, "A", 2), _w(2, "A", 1), _w(3, "B", 5), _w(4, "A", 3)]
    assert [w.id for w in sendable(waiting)] == [2, 3]


def test_an_earlier_event_not_due_yet_holds_the_later_ones_back():
    # Event 1 failed and waits for its retry: events 2 and 3 must not overtake it.
    waiting = [_w(1, "A", 1, due=False), _w(2, "A", 2), _w(3, "A", 3), _w(4, "B", 1)]
    assert [w.id for w in sendable(waiting)] == [4]


def test_subscriptions_are_ordered_independently():
    waiting = [_w(1, "A", 1, sub=1, due=False), _w(2, "A", 1, sub=2), _w(3, "A", 2, sub=2)]
    assert [w.id for w in sendable(waiting)] == [2]


@given(st.lists(st.tuples(st.integers(1, 3), st.sampled_from("ABC"), st.integers(1, 20),
                          st.booleans()), max_size=40, unique_by=lambda t: (t[0], t[1], t[2])))
def test_nothing_sendable_has_an_undelivered_predecessor(rows):
    waiting = [_w(i, order, seq, sub=sub, due=due)
               for i, (sub, order, seq, due) in enumerate(rows)]
    chosen = sendable(waiting)
    for item in chosen:
        assert item.due
        assert not any(w.subscription_id == item.subscription_id
                       and w.order_ref == item.order_ref and w.sequence < item.sequence
                       for w in waiting)
    assert len({(w.subscription_id, w.order_ref) for w in chosen}) == len(chosen)
