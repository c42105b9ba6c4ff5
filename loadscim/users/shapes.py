"""Load shapes: a spike, steps, and a storm of bursts, set from the command line.

Locust runs a :class:`~locust.LoadTestShape` it finds in the locustfile, so a scenario opts
in by defining a subclass of :class:`LoadscimShape` there, naming its default shape::

    class Shape(LoadscimShape):
        default = "spike"

Importing this module adds these options (so only scenarios that use shapes take them):

=====================  ==============================================================
``--shape NAME``       ``spike``, ``steps``, ``storm`` or ``flat`` (``--users`` at
                       ``--spawn-rate``, as without a shape); default: the scenario's
``--shape-peak N``     users at the peak (default ``--users``)
``--shape-base N``     users outside the peaks (default 0)
``--shape-at T``       when the spike, the first step or the first burst starts (0s)
``--shape-ramp T``     time from base to peak, or from one step to the next (1s)
``--shape-hold T``     how long a peak lasts (spike: until the end; storm: 5s)
``--shape-every T``    storm: a burst starts every T (20s)
``--shape-steps K``    steps: K equal steps from base to peak (4)
``--shape-step-time T``  steps: how long each step lasts (10s)
=====================  ==============================================================

Times are durations (:mod:`loadscim.duration`: ``10``, ``0.5``, ``10s``, ``500ms``, ``1h30m``);
the options are defined in :data:`loadscim.options.SHAPE_OPTIONS`. The run ends at
``--run-time`` (Locust leaves that to a shape: :meth:`ShapePlan.tick` returns None then).
The schedule itself is :class:`ShapePlan` (pure, tested on its own); :meth:`LoadscimShape.tick`
reads it once a second, as Locust asks. A drop back to the base
is fast (:data:`DROP_S`): users stopped mid-iteration leave their trial unchecked, and the
run's cleanup removes what they created.
"""

from __future__ import annotations

import locust  # noqa: F401  (first: it monkey-patches the standard library with gevent)
from locust import LoadTestShape, events
from locust.env import Environment
from locust.runners import WorkerRunner

import signal
from dataclasses import dataclass
from typing import Any, ClassVar

import gevent

from loadscim.duration import parse_duration
from loadscim.errors import UsageError
from loadscim.harness import fatal, runtime
from loadscim.options import SHAPE_OPTIONS, add_locust_options

SHAPES = ("flat", "spike", "steps", "storm")
DROP_S = 0.5
"""Seconds a drop from the peak back to the base takes."""

_DEFAULTS: dict[str, float] = {"ramp": 1.0, "every": 20.0, "step_time": 10.0, "storm_hold": 5.0}


@dataclass(frozen=True)
class ShapePlan:
    """A load schedule: users over time, and the spawn rate that reaches them.

    ``hold`` 0 means "until the end" for a spike; a storm's bursts need a hold.
    """

    kind: str
    peak: int
    base: int = 0
    at: float = 0.0
    ramp: float = 1.0
    hold: float = 0.0
    every: float = 20.0
    steps: int = 4
    step_time: float = 10.0
    spawn_rate: float = 1.0
    """The flat shape's rate (``--spawn-rate``)."""
    run_time: float | None = None
    """Seconds the test lasts (``--run-time``); None: until stopped."""

    def tick(self, t: float) -> tuple[int, float] | None:
        """``(users, spawn_rate)`` at ``t`` seconds into the test; None once it is over.

        (With a shape, Locust leaves the end of the test to the shape.)
        """
        if self.run_time is not None and t >= self.run_time:
            return None
        up = self._rate(self.peak - self.base, self.ramp)
        down = self._rate(self.peak - self.base, DROP_S)
        if self.kind == "flat":
            return self.peak, self.spawn_rate
        if t < self.at:
            return self.base, down
        since = t - self.at
        if self.kind == "spike":
            if self.hold <= 0 or since < self.ramp + self.hold:
                return self.peak, up
            return self.base, down
        if self.kind == "storm":
            if since % self.every < self.ramp + self.hold:
                return self.peak, up
            return self.base, down
        if self.kind == "steps":
            step = min(int(since // self.step_time), self.steps - 1)
            users = self.base + round((self.peak - self.base) * (step + 1) / self.steps)
            size = max(1, round((self.peak - self.base) / self.steps))
            return users, self._rate(size, self.ramp)
        raise ValueError(f"unknown shape {self.kind!r}")

    @staticmethod
    def _rate(users: int, seconds: float) -> float:
        """Users per second to start (or stop) ``users`` within ``seconds``."""
        users = max(1, abs(users))
        return float(users) / seconds if seconds > 0 else float(users) * 10

    def describe(self) -> str:
        """One line for the report: ``spike: 0 -> 50 users at 10 s within 1 s, for 20 s``."""
        if self.kind == "flat":
            return f"flat: {self.peak} users"
        start = f"at {self.at:g} s" if self.at else "from the start"
        if self.kind == "spike":
            hold = f", for {self.hold:g} s" if self.hold > 0 else ", until the end"
            return (
                f"spike: {self.base} -> {self.peak} users {start} within {self.ramp:g} s{hold}"
            )
        if self.kind == "storm":
            return (
                f"storm: bursts {self.base} -> {self.peak} users every {self.every:g} s "
                f"{start}, each {self.ramp:g} s up and {self.hold:g} s held"
            )
        return (
            f"steps: {self.base} -> {self.peak} users in {self.steps} steps of "
            f"{self.step_time:g} s {start}"
        )


def plan_from_options(options: Any, default: str) -> ShapePlan:
    """The plan the command line asks for; ``default`` when ``--shape`` is not given.

    :raises UsageError: one line naming the option, its value and the fix.
    """
    kind = (getattr(options, "shape", "") or default or "flat").strip().lower()
    if kind not in SHAPES:
        raise UsageError(
            f"--shape {kind!r}: no such shape; use one of {', '.join(SHAPES)}, "
            "e.g. --shape spike"
        )
    users = int(getattr(options, "num_users", 0) or 1)
    peak = int(getattr(options, "shape_peak", 0) or users)
    base = int(getattr(options, "shape_base", 0) or 0)
    if peak < 1:
        raise UsageError(f"--shape-peak {peak}: at least 1 user; write e.g. --shape-peak 50")
    if not 0 <= base <= peak:
        raise UsageError(
            f"--shape-base {base}: from 0 to the peak ({peak}); write e.g. --shape-base 0"
        )

    def seconds(name: str, fallback: float) -> float:
        flag = "--shape-" + name.replace("_", "-")
        value = getattr(options, f"shape_{name}", None)
        return fallback if value in (None, "") else parse_duration(value, flag)

    steps = int(getattr(options, "shape_steps", 0) or 4)
    if steps < 1:
        raise UsageError(f"--shape-steps {steps}: at least 1; write e.g. --shape-steps 4")
    hold = seconds("hold", _DEFAULTS["storm_hold"] if kind == "storm" else 0.0)
    plan = ShapePlan(
        kind=kind,
        peak=peak,
        base=base,
        at=seconds("at", 0.0),
        ramp=seconds("ramp", _DEFAULTS["ramp"]),
        hold=hold,
        every=seconds("every", _DEFAULTS["every"]),
        steps=steps,
        step_time=seconds("step_time", _DEFAULTS["step_time"]),
        spawn_rate=float(getattr(options, "spawn_rate", 0) or users),
        run_time=float(getattr(options, "run_time", 0) or 0) or None,
    )
    if kind == "storm" and plan.ramp + plan.hold >= plan.every:
        raise UsageError(
            f"--shape-every {plan.every:g}: a storm's bursts ({plan.ramp:g} s up, {plan.hold:g} "
            "s held) must fit in it; write a longer --shape-every or a shorter --shape-hold"
        )
    if kind == "steps" and plan.step_time <= 0:
        raise UsageError("--shape-step-time 0: a step lasts more than 0 s; write e.g. 10s")
    return plan


class LoadscimShape(LoadTestShape):
    """A load shape from the command line; subclass it in a scenario to opt in."""

    abstract: ClassVar[bool] = True
    use_common_options: ClassVar[bool] = True
    """It reads --users (the default peak), --spawn-rate (the flat shape's) and --run-time
    (when the test ends)."""
    default: ClassVar[str] = "flat"
    """The scenario's shape when ``--shape`` is not given."""

    plan: ShapePlan | None = None
    stopping = False

    def make_plan(self, options: Any) -> ShapePlan:
        self.plan = plan_from_options(options, self.default)
        return self.plan

    def stop_soon(self) -> None:
        """End the shape at the next tick (SIGTERM), as reaching ``--run-time`` does."""
        self.stopping = True

    def tick(self) -> tuple[int, float] | None:
        if self.stopping:
            return None
        if self.plan is None:
            runner = self.runner
            self.make_plan(runner.environment.parsed_options if runner is not None else None)
        assert self.plan is not None
        return self.plan.tick(self.get_run_time())


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    add_locust_options(parser, SHAPE_OPTIONS)


@events.init.add_listener
def _check_shape(environment: Environment, **_kw: Any) -> None:
    """Check the shape options before anything runs: a bad one is exit 3 and one line."""
    shape = environment.shape_class
    if not isinstance(shape, LoadscimShape) or environment.parsed_options is None:
        return
    try:
        plan = shape.make_plan(environment.parsed_options)
    except UsageError as e:
        fatal(str(e))
        return
    if isinstance(environment.runner, WorkerRunner):
        return
    runtime(environment).recorder.notes.append(f"load shape: {plan.describe()}")
    if environment.parsed_options.headless:
        # A headless shape test blocks Locust's main flow before it installs its own SIGTERM
        # handler, so SIGTERM (what `loadscim run` sends on Ctrl-C) would kill the process
        # without cleanup or verdict. Until Locust replaces it, this one ends the shape the
        # way reaching --run-time does: users stop, the run is reconciled, cleaned, judged.
        gevent.signal_handler(signal.SIGTERM, shape.stop_soon)
