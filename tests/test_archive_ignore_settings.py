"""Which ignore rules a zip is built with: lambherd.toml's ``ignore_style`` (the gitignore
opt-in) and where .lambdaignore is read from (lambroll's current folder)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

DEFINITION = {"FunctionName": "x", "Runtime": "python3.12", "Handler": "app.handler"}


def _folder(path: Path, ignore: str | None = None, **files: str) -> Path:
    path.mkdir(parents=True)
    (path / "function.json").write_text(json.dumps(DEFINITION))
    (path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    for name, text in files.items():
        target = path / name.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    if ignore is not None:
        (path / ".lambdaignore").write_text(ignore)
    return path


def _zipped(lh: Any, *args: Any, extra: tuple[str, ...] = ()) -> set[str]:
    """The names in the zip ``lambherd ARGS archive --dest OUT EXTRA`` writes (OUT: last arg)."""
    out = args[-1]
    r = lh(*args[:-1], "archive", "--dest", out, *extra)
    assert r.code == 0, r.err
    return set(zipfile.ZipFile(out).namelist())


def test_ignore_style_from_lambherd_toml(lh: Any, tmp_path: Path) -> None:
    fn = _folder(tmp_path / "functions" / "x", "tests/\n", tests__test_app="assert 1\n")
    toml = tmp_path / "lambherd.toml"
    toml.write_text('[project]\nname = "shop"\n\n[defaults]\nignore_style = "gitignore"\n')
    names = _zipped(lh, "-C", fn, tmp_path / "a.zip")
    assert "tests/test_app" not in names and "function.json" not in names  # gitignore's rules
    toml.write_text(toml.read_text() + '\n[functions."functions/x"]\nignore_style = "lambroll"\n')
    names = _zipped(lh, "-C", fn, tmp_path / "b.zip")
    assert (
        "tests/test_app" in names and "function.json" in names
    )  # lambroll's: "tests/" is no match
    toml.write_text('[project]\nname = "shop"\n\n[defaults]\nignore_style = "glob"\n')
    bad = lh("-C", fn, "archive", "--dest", tmp_path / "c.zip")
    assert bad.code == 1 and "ignore_style: must be one of lambroll, gitignore" in bad.err


def test_a_single_functions_lambdaignore_is_read_where_lambherd_runs(
    lh: Any, tmp_path: Path
) -> None:
    outer = tmp_path / "outer"
    fn = _folder(outer / "fn", "nothing-here\n", **{"secret.txt": "s"})
    (outer / ".lambdaignore").write_text("secret.txt\n")
    # run from outer with --function: outer's .lambdaignore, as lambroll reads ./.lambdaignore
    names = _zipped(lh, "-C", outer, "--function", "fn/function.json", tmp_path / "a.zip")
    assert "secret.txt" not in names and "app.py" in names
    # run in the function's folder: its own
    assert "secret.txt" in _zipped(lh, "-C", fn, tmp_path / "b.zip")
    # --exclude-file is read from where lambherd runs too
    (outer / "ship.ignore").write_text("app.py\n")
    names = _zipped(
        lh, "-C", outer, "--function", "fn/function.json", tmp_path / "c.zip",
        extra=("--exclude-file", "ship.ignore"),
    )  # fmt: skip
    assert "app.py" not in names and "secret.txt" in names
