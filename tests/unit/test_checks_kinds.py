"""Every violation kind lives in one registry (loadscim.checks.kinds), is documented in
docs/staging-safety.md ("What each finding means"), and names a seeded fault that is in the
mutation matrix (docs/embedded-target.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from loadscim.checks.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "loadscim" / "checks"


def _emitted(path: Path) -> set[str]:
    """Kinds a checker module reports: the strings in the first argument of ``report.add``
    (names resolved to module constants) and the kind of compatibility's ``_violation``."""
    tree = ast.parse(path.read_text())
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }
    assigned: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Attribute, ast.Name)):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        argument = None
        on_report = isinstance(node.func, ast.Attribute) and (
            isinstance(node.func.value, ast.Name) and node.func.value.id == "report"
        )
        if name == "add" and on_report and node.args:
            argument = node.args[0]
        elif name == "_violation" and len(node.args) == 3:
            argument = node.args[2]
        if argument is None:
            continue
        expressions = [argument]
        if isinstance(argument, ast.Name) and argument.id not in constants:
            expressions = assigned.get(argument.id, [])  # kind = "a" if ... else "b"
        for expression in expressions:
            for part in ast.walk(expression):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.add(part.value)
                elif isinstance(part, ast.Name) and part.id in constants:
                    found.add(constants[part.id])
    return found


def test_every_kind_a_checker_reports_is_registered() -> None:
    emitted = set().union(*(_emitted(p) for p in CHECKS.glob("*.py")))
    assert {"create-dropped", "not-stored", "lost-member", "refused"} <= emitted
    assert emitted - set(KINDS) == set()


def _section(text: str, title: str) -> str:
    start = text.index(f"### {title}")
    return text[start : text.index("\n#", start + 4)]


def test_every_kind_is_in_the_readme() -> None:
    safety = (ROOT / "docs" / "staging-safety.md").read_text()
    meanings = _section(safety, "What each finding means")
    missing = [k for k in KINDS if f"`{k}`" not in meanings]
    assert not missing, missing
    matrix = _section((ROOT / "docs" / "embedded-target.md").read_text(), "The mutation matrix")
    for kind in KINDS.values():
        if kind.shown_by is not None:
            fault, scenario = kind.shown_by
            assert re.search(rf"\| `{re.escape(fault)}` \| `{scenario}` \|", matrix), kind
