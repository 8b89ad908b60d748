"""The core never imports the edges (CLI, web, reports)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import parity

CORE = Path(parity.__file__).parent / "core"
EDGES = ("parity.cli", "parity.web", "parity.reports")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_do_not_import_edges() -> None:
    files = [*list(CORE.rglob("*.py")), Path(parity.__file__)]
    assert len(files) > 10
    offenders = {
        str(f.relative_to(CORE.parent)): sorted(i for i in _imports(f) if i.startswith(EDGES))
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_core_loads_no_edge_module() -> None:
    code = (
        "import sys, pkgutil, importlib, parity.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'parity.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith(('parity.cli','parity.web','parity.reports'))]\n"
        "print(','.join(bad))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(CORE.parent)): len(p.read_text(encoding="utf-8").splitlines())
             for p in Path(parity.__file__).parent.rglob("*.py")}
    assert {k: v for k, v in sizes.items() if v > 500} == {}


def test_report_renderers_use_only_the_dashboards_words() -> None:
    """parity.reports formats and translates: from the web edge it takes only the
    translation and label helpers, never the CLI."""
    allowed = ("parity.web.i18n", "parity.web.formatting", "parity.web.views.analytic",
               "parity.web.views.ranges")
    reports = Path(parity.__file__).parent / "reports"
    files = list(reports.rglob("*.py"))
    assert files
    for f in files:
        for name in _imports(f):
            assert not name.startswith("parity.cli"), (f, name)
            if name.startswith("parity.web"):
                assert name in allowed, (f, name)
