"""429 Too Many Requests: the client waits Retry-After before its next request, and counts."""

import email.utils

import pytest

from loadscim.client import Response, ScimClient
from loadscim.recorder import Recorder
from loadscim.throttle import DEFAULT_WAIT_S, MAX_WAIT_S, Throttle, ThrottleStats, retry_after_seconds


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


class Scripted:
    def __init__(self, *responses: Response) -> None:
        self.responses = list(responses)

    def send(self, method, path, body, headers, name, expect):
        return self.responses.pop(0)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": " 0 "}, 0.0),
        ({}, DEFAULT_WAIT_S),
        ({"Retry-After": "soon"}, DEFAULT_WAIT_S),
        ({"Retry-After": "-5"}, DEFAULT_WAIT_S),
        ({"Retry-After": "86400"}, MAX_WAIT_S),
    ],
)
def test_retry_after_seconds(headers, seconds):
    assert retry_after_seconds(headers) == seconds


def test_retry_after_http_date():
    date = email.utils.formatdate(1000.0 + 7, usegmt=True)
    assert retry_after_seconds({"Retry-After": date}, now=lambda: 1000.0) == pytest.approx(7.0)
    past = email.utils.formatdate(1000.0 - 7, usegmt=True)
    assert retry_after_seconds({"Retry-After": past}, now=lambda: 1000.0) == 0.0


def test_a_429_holds_the_next_request_and_is_a_fail():
    fake = FakeTime()
    stats = ThrottleStats()
    throttle = Throttle(stats, sleep=fake.sleep, clock=fake.clock)
    transport = Scripted(
        Response(429, {"Retry-After": "2"}, b""),
        Response(200, {}, b'{"id": "u1"}'),
        Response(200, {}, b'{"id": "u1"}'),
    )
    client = ScimClient(transport, throttle=throttle)
    first = client.patch("User", "u1", {"Operations": []})
    assert first.type == "fail" and first.status == 429  # never counted as applied
    assert fake.slept == []  # the 429 itself is not retried
    assert client.get("User", "u1").type == "ok"
    assert fake.slept == [2.0]  # the next request waited Retry-After
    client.get("User", "u1")
    assert fake.slept == [2.0]  # and only once
    assert (stats.answers, stats.waited_s) == (1, 2.0)
    assert stats.note() is not None and "1 answers 429" in stats.note()


def test_trial_clients_share_their_users_throttle():
    fake = FakeTime()
    throttle = Throttle(sleep=fake.sleep, clock=fake.clock)
    transport = Scripted(Response(429, {"Retry-After": "1"}), Response(200, {}, b"{}"))
    from loadscim.ops import Trial

    client = ScimClient(transport, throttle=throttle)
    trial_client = client.for_trial(Trial("t", "demo"))
    client.get("User", "u1")
    trial_client.get("User", "u1")
    assert fake.slept == [1.0]


def test_recorder_reports_and_merges_throttling():
    worker = Recorder("run1")
    worker.throttle.add(answers=3, waited_s=2.5)
    master = Recorder("run1")
    master.absorb(worker.drain())
    assert worker.throttle.answers == 0  # drained
    summary = master.summary()
    assert summary.extra["throttle"] == {"answers": 3, "waited_s": 2.5}
    assert any(n.startswith("throttled: 3 answers 429") and "waited 2.5 s" in n for n in summary.notes)
    assert not any("throttled" in n for n in Recorder("r2").summary().notes)


def test_retry_after_non_ascii_digits_are_unreadable():
    assert retry_after_seconds({"Retry-After": "²"}) == DEFAULT_WAIT_S
