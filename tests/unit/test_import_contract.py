"""The import contract of the package: which part may import which (read with ``ast``).

- ``checks/``, ``verdict``, ``report/`` (and ``options``, ``duration``, ``config``) are pure:
  no Locust, no gevent, no harness, no user classes;
- ``target/`` (the embedded SCIM server) never imports the harness, the users or the client;
- the harness (``harness/``) never imports the user classes (``users/``): users build on it;
- the harness itself has no import cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "loadscim"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any level (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def under(prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        m for m in MODULES if m in prefixes or m.startswith(tuple(p + "." for p in prefixes))
    )


def forbidden(module: str, banned: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in imports(MODULES[module])
        if any(name == b or name.startswith(b + ".") for b in banned)
    )  # fmt: skip


PURE = ("loadscim.checks", "loadscim.verdict", "loadscim.report", "loadscim.options",
        "loadscim.duration", "loadscim.config", "loadscim.summary", "loadscim.distributed",
        "loadscim.fallback", "loadscim.baseline", "loadscim.windows",
        "loadscim.cadence", "loadscim.probe", "loadscim.recorder", "loadscim.measurements",
        "loadscim.resources", "loadscim.outcomes", "loadscim.drift", "loadscim.ops",
        "loadscim.jsonl", "loadscim.jsondiff")  # fmt: skip


@pytest.mark.parametrize("module", under(PURE))
def test_pure_modules_import_no_locust_gevent_harness_or_users(module):
    assert forbidden(module, ("locust", "gevent", "loadscim.harness", "loadscim.users")) == []


@pytest.mark.parametrize("module", under(("loadscim.target",)))
def test_the_target_never_imports_the_harness_users_or_client(module):
    banned = ("loadscim.harness", "loadscim.users", "loadscim.client", "locust")
    assert forbidden(module, banned) == []


@pytest.mark.parametrize("module", under(("loadscim.harness",)))
def test_the_harness_never_imports_the_users(module):
    assert forbidden(module, ("loadscim.users",)) == []


def test_the_harness_has_no_import_cycle():
    harness = under(("loadscim.harness",))
    edges = {
        m: {n for n in harness if n != m and n in imports(MODULES[m])}
        for m in harness
    }  # fmt: skip
    edges["loadscim.harness"] = set()  # its __init__ only gathers the others
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for other in edges[module]:
            visit(other, (*path, module))
        done.add(module)

    for module in harness:
        visit(module, ())


def test_the_contract_sees_every_part():
    assert under(("loadscim.harness",)) and under(("loadscim.checks",))
    assert "loadscim.harness.listeners" in MODULES and "loadscim.users.base" in MODULES


@pytest.mark.parametrize(
    "module", under(("loadscim.harness", "loadscim.users", "loadscim.options"))
)
def test_glue_and_users_import_at_the_top_only(module):
    """No function-level imports working around a cycle."""
    tree = ast.parse(MODULES[module].read_text())
    top = {id(node) for node in tree.body}
    nested = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top
    ]
    assert nested == []


def test_a_run_process_does_not_import_scim2_models():
    """scim2-models costs half a second of CPU to import; the CLI and each Locust process of a
    run import loadscim, and only the conformance checker's rare deep look at a ``meta`` needs
    it (imported there on first use). Checked in a fresh interpreter."""
    import subprocess
    import sys

    code = (
        "import sys, loadscim.cli, loadscim.users.lifecycle; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scim2_models', 'pydantic')))"
    )
    env = {"LOCUST_SKIP_MONKEY_PATCH": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
