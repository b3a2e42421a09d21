"""Every problem the API raises can be told in Chinese, the app's default language.

A static check over the code, so that a new `raise NotFound("…")` without its `zh=` fails here instead of
reaching a Chinese user in English; the HTTP behaviour itself is pinned in tests/test_client_manners.py.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import app
import app.errors
from app.errors import AppError

ROOT = Path(app.__file__).parent
# Terminal-only code: operators read English there.
SKIPPED = {"cli.py", "__main__.py", "config.py", "embedded_postgres.py"}
# Raised with no argument, these carry a bilingual default message.
DEFAULTS = {"Unauthorized"}


def _app_error_names() -> set[str]:
    names = {
        name for name, obj in vars(app.errors).items() if inspect.isclass(obj) and issubclass(obj, AppError)
    }
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id in names for base in node.bases
            ):
                names.add(node.name)
    return names


def test_every_raised_problem_has_its_chinese_text() -> None:
    names = _app_error_names()
    missing: list[str] = []
    checked = 0
    for path in sorted(ROOT.rglob("*.py")):
        if path.name in SKIPPED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name not in names:
                continue
            checked += 1
            has_zh = any(k.arg == "zh" for k in node.exc.keywords)
            if not has_zh and not (name in DEFAULTS and not node.exc.args):
                missing.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {name}")
    assert checked > 100
    assert missing == [], "raise these with zh=…:\n" + "\n".join(missing)
