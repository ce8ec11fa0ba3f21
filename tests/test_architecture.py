"""The import rules of docs/architecture.md and the one Config, checked on the source (AST, nothing imported).

Pages (farm.web) and the API (farm.api) call services (farm.services), which use the models (farm.models); the
processes in sensors/ reach the park only through the configuration, the database, the models, the shared
foundation modules and the services' public functions. Every `FARM_*` variable is read in farm/config.py and listed
in the README.

A rule that the tree breaks today is not loosened: the breach is listed in KNOWN with the reason and the helper who
owns the file, so this test passes now, fails on any new breach, and fails when a listed one is gone (remove it
from KNOWN then).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from farm.config import PROJECT_ROOT

PACKAGES = ("farm", "sensors")

# The foundation every layer may use: vocabularies, units and rounding, the clock, the domain errors.
FOUNDATION = ("farm.vocab", "farm.units", "farm.clock", "farm.errors")

# What sensors/ may import from farm. The ingest, simulator and embedded broker are processes of their own, so they
# take the configuration and the database (farm.config, farm.db) as the CLI hands them over; the ingest is the
# writer of readings (bulk inserts in its own commit-then-acknowledge transaction) and the simulator reads the
# park's greenhouses, so both use the models; every rule beyond that comes from the services' public functions.
# Never the web app, the API, the jobs, the input models, permissions, logins, i18n, the demo or the CLI.
SENSORS_MAY_IMPORT = ("farm.config", "farm.db", *FOUNDATION, "farm.models", "farm.services")

# What farm.models may import: other models and the foundation, nothing above them.
MODELS_MAY_IMPORT = ("farm.models", *FOUNDATION)

# Entry points: the CLI starts everything; nothing else imports it, the WSGI server, the demo or `python -m farm`.
ENTRY_POINTS = ("farm.cli", "farm.server", "farm.__main__", "farm.demo")

# Environment variables read outside farm/config.py, each with its reason.
READ_ELSEWHERE = {
    # A secret read at the moment a mail is sent, so it never sits in the Config object (app.config, logs) and is
    # never stored; the notifications page only says whether it is set.
    "FARM_SMTP_PASSWORD",
}

# Breaches in today's tree: (importing module, imported module or prefix) -> why it is there and who removes it.
KNOWN = {
    ("farm.web.scheduler", "farm.jobs"):
        "the scheduler page lists the jobs and their labels from the scheduler module, where they are defined",
}

# The one thing pages and API share on purpose: the API document's decorator, used by /healthz, which is a page
# route and part of the API document.
SHARED_API = ("farm.api.doc",)


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # the module, or module.name for `from module import name`
    line: int


def _module(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            found[_module(path)] = (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


@cache
def _imports() -> list[Import]:
    """Every import in farm/ and sensors/, at module level or inside a function (a lazy import counts too)."""
    found = []
    for module, (path, tree) in _sources().items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [Import(module, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                found += [Import(module, f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _breaches(importers, forbidden=(), allowed=None, scope=PACKAGES, shared=()) -> list[str]:
    """Imports by modules under `importers` of a `forbidden` name, or of a name in `scope` outside `allowed`;
    `shared` names are allowed whatever the rest says, and KNOWN breaches are left out."""
    found = []
    for imp in _imports():
        if not _within(imp.importer, importers) or _within(imp.target, shared):
            continue
        bad = _within(imp.target, forbidden) or (
            allowed is not None and _within(imp.target, scope) and not _within(imp.target, allowed))
        if bad and not any(imp.importer == m and _within(imp.target, (t,)) for m, t in KNOWN):
            found.append(f"{imp.importer}:{imp.line} imports {imp.target}")
    return found


def test_services_and_models_never_import_pages_api_or_flask():
    # flask_babel is allowed: lazy_gettext labels are plain values until shown.
    assert _breaches(("farm.services", "farm.models"), forbidden=("farm.web", "farm.api", "flask")) == []


def test_models_import_nothing_above_them():
    assert _breaches(("farm.models",), allowed=MODELS_MAY_IMPORT) == []


def test_services_never_import_jobs_entry_points_or_sensors():
    # Jobs call services, and sensors/ calls services: either way round the services are the lower layer.
    assert _breaches(("farm.services",), forbidden=("farm.jobs", *ENTRY_POINTS, "sensors")) == []


def test_sensors_reach_farm_only_through_config_database_models_foundation_and_services():
    assert _breaches(("sensors",), allowed=SENSORS_MAY_IMPORT, scope=("farm",)) == []
    private = [f"{i.importer}:{i.line} imports {i.target}" for i in _imports()
               if _within(i.importer, ("sensors",)) and _within(i.target, ("farm",))
               and any(part.startswith("_") for part in i.target.split("."))]
    assert private == [], "sensors/ uses the services' public, named functions only"


def test_pages_and_api_do_not_import_each_other():
    assert _breaches(("farm.web",), forbidden=("farm.api",), shared=SHARED_API) == []
    assert _breaches(("farm.api",), forbidden=("farm.web",)) == []


def test_pages_api_and_models_never_import_the_jobs():
    # The scheduler process is the only one that runs jobs; pages read its state from the database through services.
    assert _breaches(("farm.web", "farm.api", "farm.models"), forbidden=("farm.jobs",)) == []


def test_entry_points_are_imported_only_by_the_cli():
    # `python -m farm` calls the CLI, the CLI starts the rest, and the demo's modules import each other.
    starters = ("farm.cli:", "farm.__main__:", "farm.demo:", "farm.demo.")
    assert [b for b in _breaches(PACKAGES, forbidden=ENTRY_POINTS) if not b.startswith(starters)] == []


def test_every_known_breach_still_exists():
    """A listed breach that is gone is removed from KNOWN, so the list stays the truth."""
    present = {(i.importer, t) for i in _imports() for (m, t) in KNOWN
               if i.importer == m and _within(i.target, (t,))}
    assert set(KNOWN) - present == set(), "fixed: remove these from KNOWN"


# --- the one Config -------------------------------------------------------------------------------------------

NAME = re.compile(r"\bFARM_[A-Z][A-Z0-9_]*")


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "string" assignments, to resolve os.environ.get(SOME_NAME)."""
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            values.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return values


def _environment_reads() -> list[tuple[str, int, str | None]]:
    """(module, line, variable or None when it cannot be told) for every read of the environment."""
    reads = []
    for module, (_path, tree) in _sources().items():
        constants = _constants(tree)

        def name_of(node, constants=constants):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.Name):
                return constants.get(node.id)
            return None

        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                parent = parents.get(node)
                variable = None
                if isinstance(parent, ast.Attribute) and parent.attr == "get":
                    call = parents.get(parent)
                    if isinstance(call, ast.Call) and call.args:
                        variable = name_of(call.args[0])
                elif isinstance(parent, ast.Subscript):
                    variable = name_of(parent.slice)
                elif isinstance(parent, ast.Call) and node.attr == "getenv" and parent.args:
                    variable = name_of(parent.args[0])
                reads.append((module, node.lineno, variable))
            elif isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
                reads.append((module, node.value.lineno, name_of(node.value)))
    return reads


def test_the_environment_is_read_only_in_config():
    elsewhere = [f"{m}:{line} reads {var or 'the environment'}" for m, line, var in _environment_reads()
                 if m != "farm.config" and var not in READ_ELSEWHERE]
    assert elsewhere == [], "add a field to farm.config.Config (from_env and check) and use the config object"


def _readme_variables() -> tuple[set[str], set[str]]:
    """The variables in the README's configuration table, and every FARM_* name the README mentions."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1) for m in re.finditer(r"^\| `(FARM_[A-Z0-9_]+)` \|", section, re.M)}
    return rows, set(NAME.findall(text))


def _names_in(*folders: str) -> dict[str, str]:
    names = {}
    for folder in folders:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            for name in NAME.findall(path.read_text(encoding="utf-8")):
                names.setdefault(name, str(path.relative_to(PROJECT_ROOT)))
    return names


def test_every_variable_of_the_system_is_in_the_readme_configuration_table():
    table, _ = _readme_variables()
    missing = {name: where for name, where in _names_in("farm", "sensors").items() if name not in table}
    assert missing == {}, "document each in the README's configuration table (default and meaning)"


def test_every_variable_of_the_tests_and_benchmarks_is_in_the_readme():
    _, mentioned = _readme_variables()
    missing = {name: where for name, where in _names_in("tests", "bench").items() if name not in mentioned}
    assert missing == {}


@pytest.mark.parametrize("variable", sorted(READ_ELSEWHERE))
def test_variables_read_elsewhere_are_documented(variable):
    table, _ = _readme_variables()
    assert variable in table


# --- documents ------------------------------------------------------------------------------------------------

# Documents outside the repository that older comments cited; the repository's README and docs/ hold what they said.
OUTSIDE = re.compile("|".join([r"\bCONTRACT(\.md| section|:)", "DOMAIN" + r"\.md", r"\.\./" + "shared"]))
CHECKED = ("farm", "sensors", "templates", "tests", "bench", "migrations", "docs", "deploy")


def test_code_and_docs_cite_only_the_repository():
    files = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "Makefile"]
    files += [p for folder in CHECKED for p in (PROJECT_ROOT / folder).rglob("*")
              if p.suffix in (".py", ".html", ".md", ".js", ".po", ".txt", ".conf") and "vendor" not in p.parts]
    cited = [f"{p.relative_to(PROJECT_ROOT)}:{n}" for p in files if p.is_file()
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
             if OUTSIDE.search(line)]
    assert cited == [], "point to the README or a page in docs/"


def test_docs_links_resolve():
    for page in [PROJECT_ROOT / "README.md", *(PROJECT_ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to a missing {target}"
