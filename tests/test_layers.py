"""aelib's modules import only from the layers below their own, as its package docstring lists
them: no import circle, no upward or sideways import."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import aelib

PACKAGE = Path(aelib.__file__).parent


def layers() -> dict[str, int]:
    """Module name (``config``, ``models.vae``) -> its layer, from aelib's docstring."""
    found: dict[str, int] = {}
    text = aelib.__doc__.split("\nLayers, lowest first.")[1]
    for number, names in re.findall(r"^(\d+)\. (.+(?:\n   .+)*)", text, re.MULTILINE):
        for name in re.split(r",\s*", " ".join(names.split())):
            found[name] = int(number)
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The aelib modules ``path`` imports (names relative to the package)."""
    here = module_name(path).split(".") if path.name == "__init__.py" else module_name(path).split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [".".join([*target, alias.name]) for alias in node.names] if node.module is None else []
            found.update(names or [".".join(target)])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aelib."):
            found.add(node.module.removeprefix("aelib."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("aelib.") for a in node.names if a.name.startswith("aelib."))
    return {name for name in found if name}


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if module_name(p)}


def test_the_docstring_lists_every_module_once():
    listed = layers()
    assert sorted(set(MODULES) - set(listed)) == [], "add the module to aelib's list of layers"
    assert sorted(set(listed) - set(MODULES)) == [], "a listed module does not exist"


def test_no_module_imports_from_its_own_layer_or_above():
    listed = layers()
    problems = [f"{name} (layer {listed[name]}) imports {other} (layer {listed[other]})"
                for name, path in MODULES.items() for other in sorted(imports(path))
                if other in listed and listed[other] >= listed[name]]
    assert not problems, "\n".join(problems)


def test_the_import_reader_sees_relative_and_package_imports(tmp_path):
    assert {"config", "validate"} <= imports(PACKAGE / "data.py")
    assert {"models.base", "metrics"} <= imports(PACKAGE / "models" / "wta.py")
    assert "models.vae" in imports(PACKAGE / "models" / "__init__.py")
