"""The two descriptions of the course environment (pip's pyproject.toml and conda's
environment.yml) name the same packages with the same version bounds."""
import re
import tomllib

import yaml

# conda-forge spells a few PyPI names differently.
CONDA_NAMES = {"pywavelets": "pywavelets"}


def _requirement(text: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", text).groups()
    name = re.sub(r"[-_.]+", "-", name).lower()
    return CONDA_NAMES.get(name, name), spec.replace(" ", "")


def test_pyproject_and_environment_yml_agree(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    pip_side = dict(_requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    pip_side["python"] = project["requires-python"].replace(" ", "")

    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    conda_side = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):  # the pip section
            conda_side.update(_requirement(r) for r in entry["pip"] if not r.startswith("-e"))
        elif entry != "pip":
            conda_side.update([_requirement(entry)])

    assert env["channels"] == ["conda-forge"]
    assert conda_side == pip_side, (
        f"only in pyproject: {sorted(set(pip_side.items()) - set(conda_side.items()))}; "
        f"only in environment.yml: {sorted(set(conda_side.items()) - set(pip_side.items()))}")


def test_environment_yml_installs_the_course_package(repo_root):
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    pip_section = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    assert "-e ." in pip_section
