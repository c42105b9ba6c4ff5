"""429 Too Many Requests: the client waits Retry-After, resends the same request as its
throttle allows, and counts."""

import email.utils

import pytest

from loadscim.client import Response, ScimClient
from loadscim.errors import UsageError
from loadscim.recorder import Recorder
from loadscim.throttle import (
    DEFAULT_WAIT_S,
    MAX_WAIT_S,
    Throttle,
    ThrottleStats,
    check_retries,
    parse_max_wait,
    retry_after_seconds,
)


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
        self.sent: list[tuple[str, bytes | None, tuple[int, ...]]] = []

    def send(self, method, path, body, headers, name, expect):
        self.sent.append((method, body, tuple(expect)))
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


def test_without_retries_a_429_holds_the_next_request_and_is_a_fail():
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
    assert (stats.answers, stats.waited_s, stats.retried, stats.gave_up) == (1, 2.0, 0, 1)
    assert stats.note() is not None and "1 answers 429" in stats.note()


def test_a_throttled_request_is_resent_after_retry_after_and_completes_once():
    fake = FakeTime()
    stats = ThrottleStats()
    throttle = Throttle(stats, retries=5, sleep=fake.sleep, clock=fake.clock)
    transport = Scripted(
        Response(429, {"Retry-After": "2"}, b""),
        Response(429, {}, b""),
        Response(200, {}, b'{"id": "u1", "title": "x"}'),
    )
    ops = []
    client = ScimClient(transport, throttle=throttle, sink=ops.append)
    done = client.patch(
        "User", "u1", {"Operations": [{"op": "replace", "path": "title", "value": "x"}]}
    )
    assert done.type == "ok" and done.status == 200  # the checkers see the request that got through
    assert [op.type for op in ops] == ["invoke", "ok"]  # the 429s are not ops
    assert fake.slept == [2.0, 1.0]  # Retry-After, then the default second
    assert len(transport.sent) == 3 and len({body for _, body, _ in transport.sent}) == 1
    assert all(429 in expect for _, _, expect in transport.sent)  # a resent 429 is no failure
    assert (stats.answers, stats.retried, stats.gave_up, stats.waited_s) == (2, 2, 0, 3.0)
    note = stats.note(requests=40)
    assert note == (
        "throttled: 2 answers 429 (Too Many Requests) to 40 requests (5%); 2 resent after "
        "Retry-After, 0 requests never got through; waited 3.0 s in all"
    )


def test_a_request_throttled_beyond_its_retries_fails_with_its_last_429():
    fake = FakeTime()
    stats = ThrottleStats()
    throttle = Throttle(stats, retries=2, sleep=fake.sleep, clock=fake.clock)
    transport = Scripted(*[Response(429, {"Retry-After": "1"}, b"")] * 3)
    done = ScimClient(transport, throttle=throttle).create("User", {"userName": "a"})
    assert done.type == "fail" and done.status == 429
    assert [429 in expect for _, _, expect in transport.sent] == [True, True, False]
    assert (stats.answers, stats.retried, stats.gave_up) == (3, 2, 1)
    assert fake.slept == [1.0, 1.0]  # the last 429 is not waited for by this request


def test_a_request_is_not_resent_once_it_has_waited_the_maximum():
    fake = FakeTime()
    throttle = Throttle(retries=10, max_wait_s=5.0, sleep=fake.sleep, clock=fake.clock)
    transport = Scripted(*[Response(429, {"Retry-After": "3"}, b"")] * 3)
    done = ScimClient(transport, throttle=throttle).get("User", "u1")
    assert done.status == 429 and len(transport.sent) == 3  # waited 3, then 6 >= 5: stop
    assert fake.slept == [3.0, 3.0]
    assert throttle.stats.gave_up == 1


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
    worker.throttle.add(answers=3, waited_s=2.5, retried=2, gave_up=1)
    worker.record_request("GET /Users/{id}", 1.0, False)
    master = Recorder("run1")
    master.absorb(worker.drain())
    assert worker.throttle.answers == 0  # drained
    summary = master.summary()
    assert summary.extra["throttle"] == {"answers": 3, "retried": 2, "gave_up": 1, "waited_s": 2.5}
    assert summary.throttled == 3
    line = next(n for n in summary.notes if n.startswith("throttled:"))
    assert line.startswith("throttled: 3 answers 429 (Too Many Requests) to 1 requests (300%)")
    assert "2 resent after Retry-After, 1 request never got through; waited 2.5 s" in line
    assert not any("throttled" in n for n in Recorder("r2").summary().notes)


def test_retry_after_non_ascii_digits_are_unreadable():
    assert retry_after_seconds({"Retry-After": "²"}) == DEFAULT_WAIT_S


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60", 60.0), ("60s", 60.0), ("1.5s", 1.5), ("2m", 120.0), ("0", 0.0), (5, 5.0)],
)
def test_max_wait_option(text, seconds):
    assert parse_max_wait(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-1", "2h", "nan"])
def test_bad_max_wait_is_one_line_naming_the_option_and_the_fix(text):
    with pytest.raises(UsageError) as info:
        parse_max_wait(text)
    message = str(info.value)
    assert (
        message.startswith(f"--throttle-max-wait {text!r}:")
        and "write e.g. --throttle-max-wait 60s" in message
    )
    assert info.value.exit_code == 3


@pytest.mark.parametrize("value", [-1, 101, True])
def test_bad_retries(value):
    with pytest.raises(
        UsageError, match=r"--throttle-retries .*an integer from 0 to 100; write e.g."
    ):
        check_retries(value)


def test_no_resend_and_no_wait_past_the_deadline():
    # The reconciliation's reads resend 429s, but only within their time budget.
    fake = FakeTime()
    throttle = Throttle(
        retries=10, sleep=fake.sleep, clock=fake.clock, deadline=fake.clock() + 5.0
    )
    transport = Scripted(*[Response(429, {"Retry-After": "3"}, b"")] * 4)
    done = ScimClient(transport, throttle=throttle).get("User", "u1")
    assert done.status == 429 and len(transport.sent) == 3  # at 3 s, at 5 s: then stop
    assert fake.slept == [3.0, 2.0]  # the second wait is cut at the deadline
    assert throttle.stats.gave_up == 1
