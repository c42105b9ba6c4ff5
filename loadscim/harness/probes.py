"""Downstream probes during the run (``--probe``, or a user class's ``downstream_probe``):
the probe is asked just before each deprovisioning is sent, then polled from its ok answer
until access ends; each probed deprovisioning is a ``downstream`` trial, and its delay goes into the
visibility kind ``downstream-revoke`` (:mod:`loadscim.probe` says what is probed and when).

Hooked into every client the runtime makes (:meth:`Prober.on_invoke` /
:meth:`Prober.on_complete` wrap the recorder's), so every scenario that deprovisions is
probed, without a change to it. Bounded: at most :func:`~loadscim.probe.probe_budget`
deprovisionings per process (50, and one more per second of the run),
:data:`~loadscim.probe.PROBE_PARALLEL` polling at once, each for at most the window plus a
grace. Probes run only while the load runs (not for cleanup).
A reactivation (or any other write) during the polls ends them unjudged.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)

import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import gevent
import gevent.pool

from loadscim.checks import downstream
from loadscim.harness.runtime import Runtime
from loadscim.harness.transport import LocustTransport, quiet_session
from loadscim.ops import Op, Trial
from loadscim.probe import (
    KIND,
    PROBE_PARALLEL,
    Expect,
    deprovisioning,
    fill,
    parse_expect,
    probe_budget,
    window_s,
)

Ask = Callable[[dict[str, str]], tuple[bool | None, str]]
"""Asks the linked service about one identity: (access, what it answered)."""

GRACE_S = 1.0
"""Polls go on this long past the window when no answer was clear."""
FIRST_INTERVAL_S = 0.01


def _now_us() -> int:
    return int(time.monotonic() * 1e6)


def install(rt: Runtime) -> None:
    """Probe this run's deprovisionings if ``--probe`` or a user class asks for it."""
    ask, label = _asker(rt)
    if ask is None:
        rt.prober = None
        return
    window = window_s(rt.opts.probe_window, rt.opts.consistency_window)
    rt.prober = Prober(rt, ask, label, window)
    rt.recorder.declare([downstream.NAME])


def _asker(rt: Runtime) -> tuple[Ask | None, str]:
    if rt.opts.probe:
        return url_asker(rt, rt.opts.probe, parse_expect(rt.opts.probe_expect))
    for cls in getattr(rt.environment, "user_classes", None) or ():
        probe = getattr(cls, "downstream_probe", None)
        if callable(probe):
            return callable_asker(probe), f"{cls.__name__}.downstream_probe"
    return None, ""


def url_asker(rt: Runtime, template: str, expect: Expect) -> tuple[Ask, str]:
    """GET the template's URL for the identity; the status says whether it grants access."""
    target = rt.environment.host or rt.opts.target
    sample = urlsplit(fill(template, {"userName": "u", "id": "1"}, target))
    options = {"connection_timeout": 5.0, "network_timeout": 5.0, **rt.session_options()}
    session = quiet_session(
        f"{sample.scheme}://{sample.netloc}", concurrency=PROBE_PARALLEL, **options
    )
    transport = LocustTransport(session)

    def ask(identity: dict[str, str]) -> tuple[bool | None, str]:
        parts = urlsplit(fill(template, identity, target))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = transport.send("GET", path or "/", None, {}, "probe", ())
        if answer.status is None:
            return None, answer.error or "no answer"
        return expect.access(answer.status), f"HTTP {answer.status}"

    return ask, f"GET {template}"


def callable_asker(probe: Callable[[dict[str, str]], Any]) -> Ask:
    """A scenario's probe: True / False / None, or an HTTP status (2xx: access)."""

    def ask(identity: dict[str, str]) -> tuple[bool | None, str]:
        result = probe(identity)
        if isinstance(result, bool) or result is None:
            return result, repr(result)
        status = int(result)
        return 200 <= status < 300, f"HTTP {status}"

    return ask


class Prober:
    """Probes the deprovisionings of one process's clients."""

    def __init__(self, rt: Runtime, ask: Ask, label: str, window: float) -> None:
        self.rt = rt
        self.ask = ask
        self.label = label
        self.window = window
        self.pending: dict[int, dict[str, Any]] = {}
        self.pool = gevent.pool.Pool(PROBE_PARALLEL)
        self.probed = 0
        self.judged = 0
        self.unjudged: Counter[str] = Counter()

    # -- the client hooks ----------------------------------------------------------------

    def on_invoke(self, op: Op) -> None:
        self.rt.recorder.on_invoke(op)
        try:
            self._before(op)
        except Exception:
            self.rt.listener_failed("probe")

    def on_complete(self, op: Op) -> None:
        self.rt.recorder.on_op(op)
        if not self.pending or op.type == "invoke":
            return
        meta = self.pending.pop(op.seq, None)
        if meta is None:
            return
        if op.type != "ok":
            self.unjudged["deprovisioning not ok"] += 1
        elif meta["before"][1] is not True:
            self.unjudged[f"no access before ({meta['before'][2]})"] += 1
        else:
            meta["done_us"] = op.end_us or _now_us()
            self.pool.spawn(self._poll, (op.resource_type, op.resource_id or ""), op.seq, meta)

    def _before(self, op: Op) -> None:
        how = deprovisioning(op)
        if how is None or self.rt.stopped is not None:
            return
        item = self.rt.recorder.tracked.get((op.resource_type, op.resource_id or ""))
        if item is None or item.deleted or item.deactivated or not item.name:
            return
        elapsed = time.monotonic() - (self.rt.started or time.monotonic())
        busy = len(self.pool) + len(self.pending) >= PROBE_PARALLEL
        if busy or self.probed >= probe_budget(elapsed):
            self.unjudged["over the probe bound"] += 1
            return
        self.probed += 1
        identity = {"userName": item.name, "id": item.id}
        access, detail = self.ask(identity)
        self.pending[op.seq] = {
            "user": f"{item.resource_type}/{item.id} ({item.name})",
            "probe": self.label,
            "deprovision": how,
            "window_us": int(self.window * 1e6),
            "before": [_now_us(), access, detail],
            "polls": [],
            "identity": identity,
            "writes": item.writes,
        }

    # -- polling -------------------------------------------------------------------------

    def _poll(self, key: tuple[str, str], seq: int, meta: dict[str, Any]) -> None:
        try:
            self._watch(key, meta)
            self._finish(seq, meta)
        except Exception:
            self.rt.listener_failed("probe")

    def _watch(self, key: tuple[str, str], meta: dict[str, Any]) -> None:
        done, identity = meta["done_us"], meta["identity"]
        interval = FIRST_INTERVAL_S
        most = max(0.05, self.window / 20)
        while True:
            item = self.rt.recorder.tracked.get(key)
            if item is not None and item.writes != meta["writes"] and not item.deleted:
                meta["interrupted"] = True  # reactivated, or written again: not judged
                return
            access, detail = self.ask(identity)
            at = _now_us()
            if item is not None and item.writes != meta["writes"] and not item.deleted:
                meta["interrupted"] = True  # written while the probe asked
                return
            meta["polls"].append([at, access, detail])
            elapsed = (at - done) / 1e6
            if access is False or (access is True and elapsed >= self.window):
                return
            if elapsed >= self.window + GRACE_S:
                return
            gevent.sleep(interval)
            interval = min(most, interval * 2)

    def _finish(self, seq: int, meta: dict[str, Any]) -> None:
        meta.pop("identity", None)
        meta.pop("writes", None)
        if meta.pop("interrupted", False):
            self.unjudged["written again during the polls"] += 1
            return
        if not downstream.judged(meta):
            self.unjudged["no clear answer within the window"] += 1
            return
        trial = Trial(id=f"probe-{seq}", kind="downstream", checks=(downstream.NAME,), meta=meta)
        self.judged += 1
        self.rt.recorder.finish_trial(trial)
        self.rt.recorder.record_visibility(KIND, downstream.revoked_us(meta))

    # -- the end -------------------------------------------------------------------------

    def finish(self) -> None:
        """Let the polls under way end (bounded by the window), then note what was probed."""
        self.pool.join(timeout=self.window + GRACE_S + 1)
        self.pool.kill(block=True, timeout=2)
        if not self.probed:
            self.rt.recorder.notes.append(
                f"downstream probe {self.label}: no deprovisioning to probe while the load ran "
                "(the scenario deleted or deactivated no user), so downstream vouches for nothing"
            )
            return
        skipped = "; ".join(f"{why} {n}" for why, n in self.unjudged.most_common())
        self.rt.recorder.notes.append(
            f"downstream probe {self.label} (window {self.window:g} s): {self.probed} "
            f"deprovisionings probed, {self.judged} judged"
            + (f"; not judged: {skipped}" if skipped else "")
        )
