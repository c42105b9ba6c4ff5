"""Distributed runs, the pure parts: the options' rules, the command lines, and what the master
says about a worker whose final report is incomplete."""

from __future__ import annotations

import argparse

import pytest

from loadscim import distributed
from loadscim import options as run_options
from loadscim.errors import UsageError
from loadscim.harness.workers import WorkerSeen, _problem


def options(**kw) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_options.add_run_options(parser)
    args = parser.parse_args([])
    vars(args).update(kw)
    return args


def test_defaults_are_one_process():
    args = options()
    run_options.validate(args)
    assert not distributed.is_distributed(args)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"workers": 0}, "--workers 0"),
        ({"workers": 2, "expect_workers": 2}, "give one of them"),
        ({"expect_workers": -1}, "--expect-workers -1"),
        ({"worker_report_timeout": 0.0}, "--worker-report-timeout 0"),
        ({"worker_report_timeout": float("nan")}, "--worker-report-timeout nan"),
        ({"master_port": 70000}, "--master-port 70000"),
    ],
)
def test_bad_options_are_one_line_usage_errors(kw, words):
    with pytest.raises(UsageError, match=words):
        run_options.validate(options(**kw))


def test_the_master_of_local_workers_listens_on_loopback():
    args = options(workers=3, worker_report_timeout=30.0)
    assert distributed.master_arguments(args, 4000) == [
        "--master", "--expect-workers", "3", "--master-bind-host", "127.0.0.1",
        "--master-bind-port", "4000", "--worker-report-timeout", "30",
        "--expect-workers-max-wait", "120",  # a local worker dead before it connects: no hang
    ]
    remote = distributed.master_arguments(options(expect_workers=2), 5557)
    assert remote[remote.index("--master-bind-host") + 1] == "*"
    assert "--expect-workers-max-wait" not in remote  # containers may take their time


def test_a_worker_gets_no_secret_on_its_command_line(tmp_path):
    command = distributed.worker_command(
        tmp_path / "s.py", "10.0.0.1", 5557, "https://t.example.com/v2", ["--token-env", "TOK"]
    )
    assert command[command.index("--master-host") + 1] == "10.0.0.1"
    assert command[command.index("--host") + 1] == "https://t.example.com/v2"
    assert command[-2:] == ["--token-env", "TOK"]


def test_what_the_master_says_about_each_worker():
    lost = WorkerSeen("w-a", 1, gone="lost (no heartbeat)")
    assert _problem(lost, 60) == (
        "lost (no heartbeat): its trials, reconciliation and cleanup are missing"
    )
    silent = WorkerSeen("w-b", 2)
    assert "no final report within 60 s (--worker-report-timeout)" in _problem(silent, 60)
    signalled = WorkerSeen("w-c", 3, final={"completed": True, "quit_reason": "quit on a signal"})
    assert _problem(signalled, 60).startswith("quit on a signal")
    crashed = WorkerSeen("w-d", 4, final={"completed": False, "quit_reason": ""})
    assert "crashed while reconciling or cleaning up" in _problem(crashed, 60)
    assert _problem(WorkerSeen("w-e", 5, final={"completed": True, "quit_reason": ""}), 60) == ""
