"""Packaging beyond pyproject.toml: the scenarios and gate files ship in the wheel.

They live at the top of the repository (``scenarios/``, ``gates/``, as the README's commands
name them) and are installed as ``loadscim/scenarios`` and ``loadscim/gates``, where
``loadscim run`` finds them from any directory (:func:`loadscim.cli.resolve_scenario`).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["loadscim", "loadscim.*"]), "loadscim.scenarios", "loadscim.gates"],
    package_dir={"loadscim.scenarios": "scenarios", "loadscim.gates": "gates"},
    package_data={"loadscim": ["py.typed"], "loadscim.gates": ["*.toml"]},
)
