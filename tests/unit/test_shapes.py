"""The load shapes' schedules (tick over time) and their options."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from loadscim.errors import UsageError
from loadscim.users.shapes import LoadscimShape, ShapePlan, plan_from_options


def options(**kw):
    base = {"num_users": 50, "spawn_rate": 5.0, "run_time": 60}
    return SimpleNamespace(**{**base, **kw})


def users(plan: ShapePlan, times) -> list[int]:
    return [tick[0] for t in times if (tick := plan.tick(t)) is not None]


def test_spike_from_base_to_peak_at_a_time_for_a_while():
    plan = plan_from_options(
        options(shape_base=2, shape_at="10s", shape_ramp="2", shape_hold="20s"), "spike"
    )
    assert users(plan, [0, 9.9, 10, 11, 31.9, 32, 59]) == [2, 2, 50, 50, 50, 2, 2]
    assert plan.tick(10) == (50, 24.0)  # 48 more users within the 2 s ramp
    assert plan.tick(32)[1] == 96.0  # the drop back takes half a second
    assert plan.tick(60) is None  # --run-time is over: the shape ends the test


def test_a_spike_without_hold_stays_at_the_peak_to_the_end():
    plan = plan_from_options(options(), "spike")
    assert users(plan, [0, 1, 30, 59.9]) == [50, 50, 50, 50]
    assert plan.tick(0) == (50, 50.0)  # 0 -> 50 within the default 1 s
    assert plan.describe() == "spike: 0 -> 50 users from the start within 1 s, until the end"


def test_steps_climb_in_equal_steps_and_hold_the_last():
    plan = plan_from_options(options(shape="steps", shape_steps=4, shape_step_time="5s"), "flat")
    assert users(plan, [0, 4.9, 5, 10, 15, 20, 55]) == [12, 12, 25, 38, 50, 50, 50]


def test_storm_bursts_every_period():
    plan = plan_from_options(
        options(shape="storm", shape_base=1, shape_every="10s", shape_hold="3s", shape_ramp="1"),
        "flat",
    )
    assert users(plan, [0, 3.9, 4, 9.9, 10, 13.9, 14, 20.5]) == [50, 50, 1, 1, 50, 50, 1, 50]


def test_flat_is_users_at_spawn_rate():
    plan = plan_from_options(options(), "flat")
    assert plan.tick(0) == (50, 5.0) and plan.tick(59) == (50, 5.0)
    assert plan_from_options(options(run_time=None), "flat").tick(10_000) == (50, 5.0)


def test_the_option_overrides_the_scenario_default():
    assert plan_from_options(options(shape="flat"), "spike").kind == "flat"
    assert plan_from_options(options(shape_peak=7), "spike").peak == 7


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"shape": "wave"}, "--shape 'wave': no such shape"),
        ({"shape_base": 60}, "--shape-base 60"),
        ({"shape_at": "soon"}, "--shape-at 'soon'"),
        ({"shape": "storm", "shape_every": "4s", "shape_hold": "5s"}, "--shape-every 4"),
        ({"shape_steps": -1}, "--shape-steps -1"),
    ],
)
def test_bad_options_are_one_line(kw, words):
    with pytest.raises(UsageError) as info:
        plan_from_options(options(**kw), "spike")
    assert words in str(info.value) and "\n" not in str(info.value)


def test_the_shape_class_ticks_on_its_plan_and_stops_when_asked():
    class Shape(LoadscimShape):
        default = "spike"

    shape = Shape()
    shape.make_plan(options(shape_at="5s", shape_base=1))
    shape.get_run_time = lambda: 6.0  # type: ignore[method-assign]
    assert shape.tick() == (50, 49.0)
    shape.stop_soon()
    assert shape.tick() is None
    assert LoadscimShape.abstract and not Shape.abstract  # Locust picks up only the subclass
