"""docs/build.py makes the README's pictures from the README's own code: every marked block
runs and writes its files, every picture the README shows is made that way, and the committed
pictures match what the code gives now."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from needs import needs_dot

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

pytestmark = needs_dot
# Screenshots of the running playground, taken by its browser test:
# PLAYGROUND_SCREENSHOTS=docs .venv/bin/python -m pytest tests/test_playground_browser.py
PLAYGROUND_SHOTS = ("docs/playground-formula.png", "docs/playground-network.png")


def _load_build():
    spec = importlib.util.spec_from_file_location("docs_build", REPO / "docs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build = _load_build()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(root, paths): every picture built into a scratch root, without screenshots."""
    root = tmp_path_factory.mktemp("docs-build")
    return root, build.build(README, root, screenshots=False)


def svg_text(path):
    """The node and edge titles and the text lines of an SVG (or of a page that embeds one),
    in order: what the DOT said, without the layout, which depends on Graphviz's version."""
    return re.findall(r"<(?:text|title)\b[^>]*>(.*?)</(?:text|title)>",
                      Path(path).read_text(encoding="utf-8"), re.S)


def test_the_readme_marks_its_picture_blocks():
    blocks = build.marked_blocks(README.read_text(encoding="utf-8"))
    paths = [p for b in blocks for p in b.paths]
    assert {"docs/neuron.svg", "docs/mlp.svg", "docs/xyz.svg"} <= set(paths)
    assert len(paths) == len(set(paths)), "a file is named by two markers"
    assert {b.lang for b in blocks} <= {"python", "bash"}


def test_every_marked_block_writes_its_files(built):
    root, written = built
    blocks = build.marked_blocks(README.read_text(encoding="utf-8"))
    for path in [p for b in blocks for p in b.paths] + ["docs/check.svg", "docs/check.png"]:
        assert root / path in written, path
        data = (root / path).read_bytes()
        assert len(data) > 1000, f"{path}: {len(data)} bytes"
    assert (root / "docs/neuron.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "w0" in svg_text(root / "docs/neuron.svg")
    assert {"0.weight", "2.bias"} <= {t.split()[0] for t in svg_text(root / "docs/mlp.svg")
                                      if t.strip()}


def test_nothing_is_written_outside_the_root(built):
    root, written = built
    assert all(Path(p).resolve().is_relative_to(root.resolve()) for p in written)
    # the neuron block calls .render("neuron", format="png"): it ran in a scratch folder
    assert not (REPO / "neuron").exists() and not (REPO / "neuron.png").exists()


def test_every_picture_the_readme_shows_is_built(built):
    root, written = built
    shown = re.findall(r"!\[[^\]]*\]\((docs/[^)]+)\)", README.read_text(encoding="utf-8"))
    assert shown
    pages = {p.with_suffix(".png") for p in written if p.suffix == ".html"}  # screenshots
    missing = [s for s in shown
               if root / s not in set(written) | pages and s not in PLAYGROUND_SHOTS]
    assert not missing, f"README pictures no marked block or docs/build.py makes: {missing}"
    for shot in PLAYGROUND_SHOTS:  # the browser test takes these (see PLAYGROUND_SHOTS)
        assert (REPO / shot).read_bytes().startswith(b"\x89PNG"), shot


@pytest.mark.parametrize("name", ["neuron.svg", "mlp.svg", "xyz.svg", "check.svg",
                                  "neuron_steps.html"])
def test_committed_pictures_match_their_code(built, name):
    root, _ = built
    committed, fresh = svg_text(REPO / "docs" / name), svg_text(root / "docs" / name)
    assert committed == fresh, (
        f"docs/{name} was not made from the code as it is now (differing texts: "
        f"{sorted(set(committed) ^ set(fresh))[:10]}); run .venv/bin/python docs/build.py")


def test_a_marked_block_that_draws_nothing_is_an_error(tmp_path):
    text = "<!-- picture: docs/x.svg -->\n```python\nx = 1 + 1\n```\n"
    (block,) = build.marked_blocks(text)
    assert block.paths == ["docs/x.svg"] and block.code == "x = 1 + 1\n"
    with pytest.raises(ValueError, match=r"README.md:3: .*draws no graph"):
        build.build_block(block, {}, tmp_path)


def test_explain_commands_lose_their_output_path():
    (block,) = build.marked_blocks(
        "<!-- picture: docs/f.svg -->\n```bash\n.venv/bin/python -m glassgrad explain "
        '"x*y" --set x=2 y=3 -o docs/f.svg\n```\n')
    assert build.explain_argv(block) == ["explain", "x*y", "--set", "x=2", "y=3"]
    (other,) = build.marked_blocks("<!-- picture: a.svg -->\n```bash\nls -la\n```\n")
    with pytest.raises(ValueError, match="one `python -m glassgrad explain"):
        build.explain_argv(other)
