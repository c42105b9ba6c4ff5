"""User-written checkers: registered by name, named by a trial like a built-in one, run when
the trial ends (the recorder) and offline (``loadscim check --checkers FILE.py``)."""

from __future__ import annotations

import textwrap

import pytest
from histories import ok, trial

import loadscim
from loadscim import checks
from loadscim.history import check_history
from loadscim.jsonl import dumps_trial
from loadscim.ops import Trial, Violation
from loadscim.recorder import Recorder


def _never_renamed(t: Trial) -> list[Violation]:
    """The group keeps the displayName it was created with (a test rule)."""
    return [
        Violation("never_renamed", "renamed", t.id, op.resource_id or "", "kept", "renamed")
        for op in t.ops
        if op.kind == "patch" and op.type == "ok"
    ]


@pytest.fixture
def never_renamed():
    handle = loadscim.checker("never_renamed")(_never_renamed)
    yield handle
    checks.CHECKERS.pop("never_renamed", None)


def test_a_registered_checker_is_a_name_a_trial_can_give(never_renamed):
    assert never_renamed == "never_renamed" and isinstance(never_renamed, loadscim.UserChecker)
    assert checks.CHECKERS["never_renamed"] is _never_renamed
    history = trial(ok("patch", 0, 10, on="Group/g1"), checks=("zombie", never_renamed))
    assert [v.kind for v in never_renamed(history)] == ["renamed"]


def test_the_recorder_runs_it_when_the_trial_ends(never_renamed):
    recorder = Recorder("r", checkers={})  # made before the registration: the registry's
    found = recorder.finish_trial(trial(ok("patch", 0, 10, on="Group/g1"), checks=(never_renamed,)))
    assert [v.kind for v in found] == ["renamed"]
    stats = recorder.checker_stats["never_renamed"]
    assert (stats.trials, stats.violations, stats.errors) == (1, 1, 0)


def test_built_in_names_and_checkers_without_their_rule_are_refused():
    with pytest.raises(ValueError, match="built-in"):
        checks.register_checker("zombie", _never_renamed)
    with pytest.raises(ValueError, match="docstring"):
        checks.register_checker("undocumented", lambda t: [])
    assert "undocumented" not in checks.CHECKERS


def test_offline_the_file_that_registers_it_is_imported_first(tmp_path):
    module = tmp_path / "my_checks.py"
    module.write_text(textwrap.dedent('''
        import loadscim

        @loadscim.checker("never_deleted")
        def never_deleted(trial):
            """Nothing is deleted (a test rule)."""
            return [
                loadscim.Violation("never_deleted", "deleted", trial.id, op.resource_id or "",
                                   "kept", "deleted")
                for op in trial.ops if op.kind == "delete" and op.type == "ok"
            ]
    '''))
    saved = tmp_path / "history.jsonl"
    t = trial(ok("delete", 0, 10, on="User/u1"), checks=("never_deleted",))
    saved.write_bytes(dumps_trial(t))
    try:
        code, text = check_history(str(saved), checker_files=[str(module)])
        assert code == 1 and "never_deleted" in text and "deleted 1" in text, text
    finally:
        checks.CHECKERS.pop("never_deleted", None)
    with pytest.raises(loadscim.LoadscimError, match="--checkers"):
        check_history(str(saved), checker_files=[str(tmp_path / "missing.py")])


def test_the_documented_checker_runs_as_written():
    """docs/scenario-authoring.md, "A checker of your own": the example registers and judges."""
    from pathlib import Path

    docs = Path(__file__).parents[2] / "docs" / "scenario-authoring.md"
    section = docs.read_text().split("### A checker of your own", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    try:
        exec(compile(code, "scenario-authoring.md", "exec"), namespace)
        title_kept = namespace["title_kept"]
        history = trial(
            ok("get", 0, 10, on="User/u1", observed={"title": "Engineer"}),
            ok("get", 20, 30, on="User/u1", observed={"title": "Boss"}),
            checks=(title_kept,),
            title="Engineer",
        )
        found = Recorder("r").finish_trial(history)
        assert [(v.kind, v.observed) for v in found] == [("title-changed", "Boss")]
    finally:
        checks.CHECKERS.pop("title_kept", None)
