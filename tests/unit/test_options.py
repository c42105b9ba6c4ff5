"""loadscim/options.py and loadscim/duration.py: the one table of run options, the one
grammar of durations, what `loadscim run` passes on to Locust."""

from __future__ import annotations

import argparse

import pytest

from loadscim import options
from loadscim.duration import parse_duration
from loadscim.errors import UsageError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30", 30), ("2.5", 2.5), ("30s", 30), ("2m", 120), ("1h30m", 5400), ("1m30s", 90),
     ("1.5s", 1.5), ("500ms", 0.5), ("2min", 120), ("10 s", 10), (" 5s ", 5), ("0", 0)],
)  # fmt: skip
def test_one_duration_grammar(text, seconds):
    assert parse_duration(text, "--x") == seconds


@pytest.mark.parametrize("text", ["", "soon", "-1s", "5x", "1h2x", "²", "s", "1e3", "nan"])
def test_a_bad_duration_is_one_line_naming_the_option(text):
    with pytest.raises(UsageError) as info:
        parse_duration(text, "--x")
    assert str(info.value).startswith(f"--x {text!r}:") and "\n" not in str(info.value)


def parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    options.add_run_options(parser)
    options.add_report_options(parser)
    return parser.parse_args(list(argv))


def test_loadscim_run_passes_every_value_on_under_locusts_names(tmp_path):
    opts = options.validate(
        parsed("--users", "3", "--duration", "1.5s", "--stop-timeout", "2m", "--pace", "0.25",
               "--fan-out", "4", "--json", str(tmp_path / "r.json"), "--no-cleanup",
               "--throttle-max-wait", "90s"),
    )  # fmt: skip
    argv = opts.locust_argv()
    pairs = {flag: argv[i + 1] if i + 1 < len(argv) else "" for i, flag in enumerate(argv)}
    assert opts.duration == 2 and pairs["--run-time"] == "2s"  # Locust takes whole seconds
    assert pairs["--stop-timeout"] == "120s" and pairs["--users"] == "3"
    assert pairs["--spawn-rate"] == "3.0"  # default: all users in one second
    assert pairs["--pace"] == "0.25" and pairs["--fan-out"] == "4"
    assert pairs["--report-json"] == str(tmp_path / "r.json")
    assert "--no-cleanup" in argv and "--host" not in argv  # no target: embedded
    assert opts.throttle_max_wait == 90.0


def test_every_option_has_a_typed_field():
    fields = set(vars(options.RunOptions()))
    assert {o.dest for o in options.RUN_OPTIONS} <= fields


def test_options_locust_has_itself_are_not_registered_twice():
    parser = argparse.ArgumentParser()
    options.add_locust_options(parser)
    flags = {s for action in parser._actions for s in action.option_strings}
    assert "--pace" in flags and "--report-json" in flags
    assert not flags & {"--users", "--duration", "--target", "--stop-timeout", "--json"}


def test_the_consistency_window_takes_the_duration_grammar():
    opts = options.validate(parsed("--consistency-window", "1.5s", "--visibility-sample", "1"))
    assert opts.consistency_window == 1.5 and opts.visibility_sample == 1.0
    pairs = dict(zip(opts.locust_argv()[::2], opts.locust_argv()[1::2], strict=False))
    assert options.validate(parsed("--consistency-window", pairs["--consistency-window"]))
    assert options.validate(parsed()).consistency_window == 0.0
    for argv, message in [
        (("--consistency-window", "2x"), "--consistency-window '2x': a duration is"),
        (("--visibility-sample", "2"), "--visibility-sample 2: must be from 0 to 1"),
    ]:
        with pytest.raises(UsageError) as info:
            options.validate(parsed(*argv))
        assert str(info.value).startswith(message) and "\n" not in str(info.value)
