"""The package's layout rules: the engine stands alone, op files stay small, and every op
module declares what it adds to the API."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "glassgrad"
ENGINE = SRC / "autograd"
OPS = ENGINE / "ops"
# glassgrad modules the engine must not import: the top level and the layers built on it
FORBIDDEN = {"nn", "optim", "viz", "functional", "data", "train", "testing", "cli", "demo"}
MAX_OP_FILE_LINES = 420  # "roughly 400 lines or fewer" per op family file


def _imports(path):
    """(level, module, names) for every import statement in the file."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield 0, a.name, ()
        elif isinstance(node, ast.ImportFrom):
            yield node.level, node.module or "", tuple(a.name for a in node.names)


def _resolve(path, level, module):
    """The absolute glassgrad module path an import in ``path`` names."""
    if level == 0:
        return module
    pkg = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    base = pkg[: len(pkg) - (level - 1)]
    return ".".join((*base, module)) if module else ".".join(base)


@pytest.mark.parametrize("path", sorted(ENGINE.rglob("*.py")), ids=lambda p: p.name)
def test_engine_imports_neither_the_top_level_nor_the_layers_above_it(path):
    for level, module, names in _imports(path):
        target = _resolve(path, level, module)
        if not target.startswith("glassgrad"):
            continue
        parts = target.split(".")
        assert parts != ["glassgrad"] or all(n not in FORBIDDEN and n != "*" for n in names), (
            f"{path.relative_to(SRC)} imports {names} from the glassgrad top level")
        assert len(parts) < 2 or parts[1] not in FORBIDDEN, (
            f"{path.relative_to(SRC)} imports {target}: the engine must not depend on "
            f"glassgrad.{parts[1]}")
        assert parts != ["glassgrad"] or names, f"{path.relative_to(SRC)}: import glassgrad"


@pytest.mark.parametrize("path", sorted(OPS.glob("*.py")), ids=lambda p: p.name)
def test_op_files_stay_small(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_OP_FILE_LINES, (
        f"{path.name} has {n} lines; split it by sub-family (at most about 400 lines each)")


def test_every_op_module_is_installed_and_declares_its_api():
    from glassgrad.autograd import ops

    names = {p.stem for p in OPS.glob("*.py")} - {"__init__", "numpy_dispatch"}
    modules = {m.__name__.rsplit(".", 1)[1] for m in ops.MODULES}
    private = {n for n in names if n.startswith("_")}
    assert names - private == modules, (
        f"op modules not in ops.MODULES: {sorted(names - private - modules)}")
    for m in ops.MODULES:
        for d in ("TENSOR_METHODS", "TORCH_FUNCTIONS", "FUNCTIONAL"):
            assert isinstance(getattr(m, d, None), dict), f"{m.__name__} lacks {d}"


def test_registry_lives_in_testing_not_in_the_engine():
    assert not (ENGINE / "opspecs").exists()
    assert (SRC / "testing" / "opspecs" / "__init__.py").exists()


@pytest.mark.parametrize("path", sorted((SRC / "viz").rglob("*.py")), ids=lambda p: p.name)
def test_viz_never_imports_the_cli(path):
    """The CLI imports viz, never the reverse; imports inside functions count too."""
    for level, module, names in _imports(path):
        target = _resolve(path, level, module)
        parts = target.split(".")
        assert parts[:2] != ["glassgrad", "cli"], (
            f"{path.relative_to(SRC)} imports {target}: viz must not depend on the CLI")
        assert parts != ["glassgrad"] or "cli" not in names, (
            f"{path.relative_to(SRC)} imports cli from the glassgrad top level")
