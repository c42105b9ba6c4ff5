"""``loadscim serve`` option checking, in-process (no server is started)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadscim.errors import UsageError
from loadscim.target.server import main, parse_options


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--fault SPEC" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fault", "latency=abc"], "--fault 'latency=abc': latency takes milliseconds"),
        (["--fault", "reset=1", "--fault", "reset=0.5"], "already given as --fault 'reset=1'"),
        (["--port", "-1"], "--port '-1': a port is an integer from 0 to 65535"),
        (["--host", " "], "--host '': the address to listen on is empty"),
        (["--token", "a b"], "--token (hidden): a bearer token must be non-empty"),
        (["--canaries", "1,-2"], "--canaries '1,-2'"),
        (["--seed", "1.5"], "--seed '1.5': a seed is an integer"),
        (["--port"], "argument --port: expected one argument"),
    ],
)
def test_usage_errors_exit_3_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("loadscim serve: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1


def test_the_token_is_never_shown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--token", "very secret"]) == 3
    assert "very secret" not in capsys.readouterr().err


def test_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOADSCIM_TARGET_TOKEN", "from-env")
    assert parse_options([]).token == "from-env"
    assert parse_options(["--token", "explicit"]).token == "explicit"
    monkeypatch.delenv("LOADSCIM_TARGET_TOKEN")
    assert parse_options([]).token is None


def test_options(tmp_path: Path) -> None:
    spc = tmp_path / "spc.json"
    spc.write_text(json.dumps({"etag": {"supported": False}}))
    argv = ["--port", "8081", "--seed", "9", "--fault", "lost-update", "--canaries", "4,1"]
    options = parse_options([*argv, "--service-provider-config", str(spc)])
    assert (options.port, options.plan.seed, options.seed_given) == (8081, 9, True)
    assert options.plan.probability("lost-update") == 1.0
    assert (options.canary_users, options.canary_groups) == (4, 1)
    assert options.service_provider_config == {"etag": {"supported": False}}
    assert not parse_options([]).seed_given


def test_a_bad_service_provider_config(tmp_path: Path) -> None:
    spc = tmp_path / "spc.json"
    spc.write_text('{"etag": {"supported": "maybe"}}')
    with pytest.raises(UsageError, match=r"--service-provider-config '.*spc.json': etag"):
        parse_options(["--service-provider-config", str(spc)])
    spc.write_text("{")
    with pytest.raises(UsageError, match="not valid JSON"):
        parse_options(["--service-provider-config", str(spc)])
