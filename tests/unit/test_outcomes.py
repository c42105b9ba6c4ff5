"""The report's outcome line: every completion of the load as ok, fail or info, and why."""

from loadscim.ops import Op
from loadscim.recorder import Recorder, outcome


def op(type_: str, status: int | None = None, error: str | None = None) -> Op:
    return Op(type=type_, kind="get", status=status, error=error)


def test_outcome_names_the_class_and_the_reason():
    assert outcome(op("ok", 200)) == "ok"
    assert outcome(op("fail", 429)) == "fail HTTP 429"
    assert outcome(op("fail", 302)) == "fail HTTP 302"
    assert outcome(op("info", 503)) == "info HTTP 503"
    assert outcome(op("info", 200, "answer is not JSON (text/html)")) == "info unreadable 2xx"
    assert outcome(op("info", None, "timeout: timed out")) == "info timeout"
    assert outcome(op("info", None, "ConnectionResetError: reset by peer")) == "info reset"
    assert outcome(op("info", None, "HTTPConnectionClosed: connection closed.")) == (
        "info connection closed"
    )
    assert outcome(op("fail", None, "ConnectionRefusedError: refused")) == "fail refused"


def test_outcomes_are_counted_merged_and_noted_for_the_load_only():
    worker = Recorder("run1")
    for o in [op("ok", 200)] * 3 + [op("fail", 429), op("info", 500), op("info", 500)]:
        worker.on_op(o)
    worker.counting_outcomes = False  # reconciliation and cleanup
    worker.on_op(op("fail", 404))
    master = Recorder("run1")
    master.absorb(worker.drain())
    summary = master.summary()
    assert summary.extra["outcomes"] == {"ok": 3, "fail HTTP 429": 1, "info HTTP 500": 2}
    assert "outcomes of the load's requests: 3 ok; 1 fail (HTTP 429 1); 2 info (HTTP 500 2)" in (
        summary.notes
    )
