"""ScimUser: the base of loadscim's Locust user classes.

It gives a scenario a :class:`~loadscim.client.ScimClient` (``self.scim``) wired to the
recorder, the run namespace (``self.ns``), a seeded random generator (``self.rng``), trials
(``with self.trial(kind, checks) as t:``), the attributes the run's model follows
(``follows``), racing clients whose requests really are in flight
together (``self.racers``), the identity provider it plays (``self.dialect``, whose requests
``self.send`` sends and judges for compatibility) and what the target supports
(``self.requires``: a missing feature makes its checks "not applicable").
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import FastHttpUser
from locust.contrib.fasthttp import FastHttpSession

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import gevent
from gevent import GreenletExit

from loadscim.checks import Check, conformance
from loadscim.client import ScimClient
from loadscim.fallback import with_fallbacks
from loadscim.harness import Runtime, process_prefix, runtime
from loadscim.ops import Op, Trial, Violation
from loadscim.scim import payloads
from loadscim.scim.dialects import Dialect, Request, get_dialect
from loadscim.throttle import Throttle
from loadscim.users import polls
from loadscim.users.trials import TrialRun
from loadscim.visibility import WINDOW_KEY, PollPlan

T = TypeVar("T")


WRITABLE = "<writable>"
"""In :attr:`ScimUser.follows`: the User attribute :attr:`ScimUser.writable_attribute`."""


def declared_checks(user_class: type, attribute: str = "checks") -> tuple[str, ...]:
    """The ``checks`` (or another tuple attribute) of a user class and of the classes it
    mixes, in order, once each."""
    names: dict[str, None] = {}
    for cls in user_class.__mro__:
        names.update(dict.fromkeys(cls.__dict__.get(attribute, ())))
    return tuple(names)


class ScimUser(FastHttpUser):
    """A simulated SCIM client (an identity provider's provisioning connector)."""

    abstract = True
    insecure = False
    """Verify TLS certificates (Locust's FastHttpUser does not by default)."""
    connection_timeout = 10.0
    network_timeout = 30.0
    # None in the class: from --dialect, else rfc.
    checks: tuple[str, ...] = ()
    """In a scenario's class: the checkers its trials feed (``("lost_update",
    "conflict_status")``). Each is declared when a user starts, so that a checker that
    finishes no trial in the run makes it UNKNOWN rather than PASS; one the target's
    capabilities make not applicable (:meth:`requires`) is not required. A class that mixes
    others (soak) declares theirs too."""
    dialect: Dialect = None  # type: ignore[assignment]
    """In a scenario's class: its default dialect (``get_dialect("okta")``); None: ``rfc``.
    ``--dialect`` overrides it. In a running user: the :class:`Dialect` in use, whose
    User-Agent goes on every request of the user."""

    follows: tuple[str, ...] = ()
    """In a scenario's class: the User attributes the run's model follows for the end-of-run
    reconciliation (``("active", "name.givenName", WRITABLE)``). The model folds every ok
    create, PUT and PATCH into them by itself (an ``info`` write, or two writes that
    overlap, make the account uncertain); a scenario never updates it by hand."""

    creates_groups: bool = False
    """Whether the scenario creates groups: the write pre-flight then creates one too."""

    rt: Runtime
    scim: ScimClient
    rng: random.Random

    def __init__(self, environment: Any) -> None:
        # TLS verification (--ca-bundle, --insecure) and --request-timeout, before
        # FastHttpUser builds self.client from these attributes.
        for name, value in runtime(environment).session_options().items():
            setattr(self, name, value)
        super().__init__(environment)

    def on_start(self) -> None:
        self.rt = runtime(self.environment)
        self._lateness_us = 0
        self._pace_interval = self.rt.pace_interval()
        if self._pace_interval:
            self._next_start = time.monotonic()
            self.wait_time = self._paced_wait  # type: ignore[method-assign]
        self.index = self.rt.next_user_index()
        self.process = f"{process_prefix(self.environment)}{self.index}"
        self.rng = random.Random(f"{self.rt.seed}:{self.process}")
        self.ns = self.rt.namespace
        chosen: Dialect | str | None = type(self).dialect
        default = chosen.name if isinstance(chosen, Dialect) else chosen
        self.dialect = get_dialect(self.rt.dialect_option or default or "rfc")
        self.scim = self.client_for(self.client, process=self.process)
        self.rt.recorder.declare(declared_checks(type(self)))
        follows = declared_checks(type(self), "follows")
        if follows:
            writable = self.writable_attribute
            self.rt.recorder.follow(writable if p == WRITABLE else p for p in follows)
        self._tags = 0
        self._racer_sessions: dict[int, FastHttpSession] = {}
        self._visibility_rng = random.Random(f"{self.rt.seed}:{self.process}:visibility")
        if self.index == 1:
            self.probe_unknown_id()

    def probe_unknown_id(self) -> None:
        """One GET of an id no server issued (in the run's namespace, random), once per load
        process: ``conformance`` wants 404 with the SCIM Error (RFC 7644 3.12)."""
        trial = self.new_trial(conformance.UNKNOWN_ID_TRIAL, (conformance.NAME,))
        draw = random.Random(f"{self.rt.seed}:{self.process}:unknown-id").getrandbits(64)
        missing = f"{self.ns.prefix}missing-{draw:016x}"
        self.scim.for_trial(trial).get("User", missing, expect=(404,))
        self.finish(trial)

    # -- open model -------------------------------------------------------------------

    def _paced_wait(self) -> float:
        """The wait before the next iteration, on a fixed schedule (open model, like wrk2).

        Iteration k is intended to start at ``t0 + k * interval`` whatever happened before.
        An iteration that cannot start on time starts at once, and its lateness is added to
        the latency of every request it makes (the *corrected* latency): the time a user of
        the service would have waited, which a closed-loop generator omits.
        """
        self._next_start += self._pace_interval
        now = time.monotonic()
        late = now - self._next_start
        self._lateness_us = max(0, int(late * 1e6))
        self.rt.recorder.record_iteration(self._lateness_us, late > 0.1 * self._pace_interval)
        return max(0.0, -late)

    def context(self) -> dict[str, Any]:
        """Request-event context: how late the current iteration started (open model)."""
        if not self._pace_interval:
            return {}
        return {"loadscim_lateness_us": self._lateness_us}

    # -- names and trials -------------------------------------------------------------

    def tag(self) -> str:
        """A tag unique within the run, for the namespace: ``u3-17``."""
        self._tags += 1
        return f"{self.process}-{self._tags}"

    def new_trial(self, kind: str, checks: Sequence[str], **meta: Any) -> Trial:
        """Start a trial (what :meth:`trial` does first; a scenario uses :meth:`trial`, which
        cannot leave it unchecked); its ops are recorded by ``self.scim.for_trial(trial)``.

        Attributes the pre-flight saw the target does not store go in ``meta["unjudged"]``:
        the checkers leave them alone (:mod:`loadscim.checks.stored`). Every trial is also
        judged by ``conformance`` (its answers against the RFCs).
        """
        checks = [str(name) for name in checks]  # a UserChecker's name, as a plain str
        if conformance.NAME not in checks:
            checks.append(conformance.NAME)
        self.rt.recorder.declare(checks)
        capabilities = self.rt.target_capabilities()
        unstored = getattr(capabilities, "unstored_attributes", None)
        if unstored and "unjudged" not in meta:
            meta["unjudged"] = sorted(unstored)
        if self.consistency_window:
            meta.setdefault(WINDOW_KEY, self.consistency_window)
        return Trial(id=self.tag(), kind=kind, checks=tuple(checks), meta=meta)

    @contextmanager
    def trial(self, kind: str, checks: Sequence[Check], **meta: Any) -> Iterator[TrialRun]:
        """A trial as a block, checked and cleared up when the block ends, also by an
        exception (:mod:`loadscim.users.trials`)::

            with self.trial("deactivate", ("zombie", "read_your_writes")) as t:
                created = t.scim.create("User", payloads.user(self.ns.user_name(self.tag())))
                ...
        """
        trial = self.new_trial(kind, checks, **meta)
        run = TrialRun(trial, self.scim, lambda n: self.racers(trial, n or self.fan_out))
        try:
            yield run
        except GreenletExit:
            raise  # stopped at the end of the run: unchecked; the run's cleanup removes it
        except BaseException:
            self._close(run)
            raise
        self._close(run)

    def _close(self, run: TrialRun) -> None:
        created = run.created()
        try:
            run.violations = self.finish(run.trial)
        finally:
            self.discard(created)

    def finish(self, trial: Trial) -> list[Violation]:
        """Check the trial now, count its violations, drop its ops (what :meth:`trial` does
        when its block ends)."""
        return self.rt.recorder.finish_trial(trial)

    # -- racing -----------------------------------------------------------------------

    def racing_session(self, fan_out: int) -> FastHttpSession:
        """A session that holds ``fan_out`` connections, reporting to Locust's statistics.

        One FastHttpSession caps concurrent connections (10 by default), so requests that
        must race need a session sized to the fan-out.
        """
        session = self._racer_sessions.get(fan_out)
        if session is None:
            session = FastHttpSession(
                self.host,
                request_event=self.environment.events.request,
                user=self,
                insecure=self.insecure,
                ssl_context_factory=self.ssl_context_factory,
                concurrency=fan_out,
                max_retries=0,
                connection_timeout=self.connection_timeout,
                network_timeout=self.network_timeout,
            )
            self._racer_sessions[fan_out] = session
        return session

    def racers(self, trial: Trial, fan_out: int) -> list[ScimClient]:
        """``fan_out`` clients for ``trial``, sharing one session with enough connections."""
        session = self.racing_session(fan_out)
        base = self.client_for(session, throttle=self.scim.throttle)
        return [base.for_trial(trial, process=f"{self.process}.r{i}") for i in range(fan_out)]

    @staticmethod
    def race(calls: Sequence[Callable[[], T]]) -> list[T]:
        """Run the calls in greenlets started together; return their results in order."""
        greenlets = [gevent.spawn(call) for call in calls]
        try:
            gevent.joinall(greenlets, raise_error=True)
        finally:
            gevent.killall([g for g in greenlets if not g.dead])
        return [g.value for g in greenlets]

    # -- the identity provider ---------------------------------------------------------

    def client_for(
        self, session: Any, process: str = "", throttle: Throttle | None = None
    ) -> ScimClient:
        """A ScimClient over ``session`` with this user's User-Agent (its dialect's), and
        ``throttle`` (after a 429) if given; it updates by PUT and looks up by paging when the
        target lacks PATCH or filters (:mod:`loadscim.fallback`)."""
        client = with_fallbacks(
            self.rt.client(session, process=process), self.rt.target_capabilities()
        )
        if throttle is not None:
            client.throttle = throttle
        if self.dialect.user_agent:
            client.headers["User-Agent"] = self.dialect.user_agent
        return client

    def send(self, request: Request, via: ScimClient | None = None, **kw: Any) -> Op:
        """Send a request this user's dialect built (through ``via``, default ``self.scim``).

        The answer is judged for ``compatibility`` (not for the ``rfc`` dialect): a refusal
        of an identity provider's request as written is reported per endpoint and fails
        the run (:mod:`loadscim.checks.compatibility`).
        """
        literal = self.dialect.name != "rfc"
        op = (via or self.scim).execute(request, literal=literal, **kw)
        if literal:
            self.rt.recorder.judge_request(self.dialect.name, request.step, op)
        return op

    def provision(self, scim: ScimClient, tag: str, given: str, family: str) -> str | None:
        """An IdP's first two steps for a new account, in this user's dialect: the existence
        check (expect none), then the create; the new id, or None when the create did not
        succeed."""
        d = self.dialect
        user_name = self.ns.user_name(tag)
        self.send(d.lookup_user(user_name), via=scim, expect=(404,))
        email = payloads.email_of(user_name)
        created = self.send(
            d.create_user(user_name, self.ns.external_id(tag), given, family, email),
            via=scim,
            expect=(409,),
        )
        if created.type != "ok" or not created.resource_id:
            return None
        return created.resource_id

    # -- what the target supports --------------------------------------------------------

    def lacks(self, feature: str) -> str | None:
        """Why the target lacks ``feature`` (``etag``, ``bulk``, ``patch``, ``filter``, or a
        resource type such as ``Group``), or None (it has it, or does not say).

        On the master or a local run this is the pre-flight's answer; on a worker, the
        first user that asks reads ``/ServiceProviderConfig`` and ``/ResourceTypes``.
        """
        capabilities = self.rt.target_capabilities()
        return capabilities.lacks(feature) if capabilities is not None else None

    @property
    def writable_attribute(self) -> str:
        """The User attribute to write "some value" to: one the target declares writable
        in /Schemas (``title`` when it publishes none)."""
        capabilities = self.rt.target_capabilities()
        return capabilities.writable_attribute if capabilities is not None else "title"

    def requires(self, feature: str, *checks: str) -> bool:
        """Whether the target has ``feature``; if not, ``checks`` are "not applicable"."""
        reason = self.lacks(feature)
        if reason is None:
            return True
        for check in checks:
            self.rt.recorder.not_applicable(check, reason)
        return False

    # -- options of the trial scenarios ------------------------------------------------

    @property
    def fan_out(self) -> int:
        """Requests of one race (``--fan-out``)."""
        return self.rt.opts.fan_out

    @property
    def population(self) -> int:
        """Accounts of one storm (``--population``)."""
        return self.rt.opts.population

    # -- time to visibility (loadscim.visibility) ----------------------------------------

    @property
    def consistency_window(self) -> float:
        """Seconds a read may still miss a write (``--consistency-window``; 0: none)."""
        return float(getattr(self.rt.opts, "consistency_window", 0.0) or 0.0)

    @property
    def unseen_yet(self) -> tuple[int, ...]:
        """What a read of a new resource may answer besides 2xx: 404 inside a consistency
        window (not a failed request then; the checkers judge it), nothing without one."""
        return (404,) if self.consistency_window else ()

    def sample_visibility(self) -> bool:
        """Whether to measure the time to visibility of this trial's writes
        (``--visibility-sample``, drawn from a stream of its own: the plan stays the same)."""
        share = float(getattr(self.rt.opts, "visibility_sample", 0.0) or 0.0)
        return share > 0 and self._visibility_rng.random() < share

    def await_visible(
        self,
        kind: str,
        write: Op,
        read: Callable[[], Op],
        shows: polls.Shows,
        first: Op | None = None,
    ) -> Op | None:
        """Repeat ``read`` until ``shows`` says it shows ``write``, bounded; the delay goes
        into the histogram of visibility ``kind`` (:mod:`loadscim.users.polls`)."""
        plan = PollPlan(window_s=self.consistency_window)
        return polls.await_visible(self.rt.recorder, kind, write, read, shows, plan, first)

    def members_visible(
        self, trial: Trial, gid: str, final: Op, changes: Sequence[tuple[Op, str, bool]]
    ) -> None:
        """In a sampled trial, the time to visibility of each ok membership change
        ``(write, member, present after it)`` in a GET of group ``gid``, ``final`` (a read
        made anyway) first: ``member-add`` / ``member-remove``. Changes of one member that
        raced each other must be left out (either may win)."""
        if not self.sample_visibility():
            return
        read = partial(self.scim.for_trial(trial).get, "Group", gid)
        seen = final
        for write, member, present in changes:
            kind = "member-add" if present else "member-remove"
            shown = self.await_visible(kind, write, read, polls.has_member(member, present), seen)
            seen = shown or seen

    # -- set-up and tear-down outside trials -------------------------------------------

    def parallel(self, n: int) -> ScimClient:
        """A client for up to ``n`` concurrent set-up or tear-down calls (not in a trial)."""
        return self.client_for(self.racing_session(max(2, min(n, 50))), process=self.process)

    def create_users(self, count: int, scim: ScimClient | None = None) -> list[str]:
        """Create ``count`` namespaced users concurrently; the ids of those created.

        With ``scim`` (a trial's client) the creates are part of the trial.
        """
        client = scim or self.parallel(count)
        tags = [self.tag() for _ in range(count)]
        bodies = [
            payloads.user(self.ns.user_name(tag), external_id=self.ns.external_id(tag))
            for tag in tags
        ]
        ops = self.race([partial(client.create, "User", body) for body in bodies])
        return [op.resource_id for op in ops if op.type == "ok" and op.resource_id]

    def discard(self, resources: Sequence[tuple[str, str]]) -> None:
        """Delete resources a trial created, concurrently, and forget the deleted ones.

        Groups go first. Not part of any trial: a trial's final state is judged before.
        """
        if not resources:
            return
        client = self.parallel(len(resources))
        ordered = sorted(set(resources), key=lambda r: r[0] != "Group")
        for rtype in ("Group", "User"):
            batch = [rid for t, rid in ordered if t == rtype]
            ops = self.race([partial(client.delete, rtype, rid, expect=(404,)) for rid in batch])
            for op in ops:
                if op.resource_id and (op.type == "ok" or op.status == 404):
                    self.rt.recorder.forget(rtype, op.resource_id)
