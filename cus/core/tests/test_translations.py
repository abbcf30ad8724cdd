"""The Polish catalog is complete and in step with the code.

Polish is the default language of the UI; English is the msgids themselves. When a test here fails, update the
catalog from the project root and translate the new entries (no "#, fuzzy" may stay behind)::

    CUS_DEBUG=1 .venv/bin/python manage.py makemessages -l pl --ignore='.venv/*' --ignore='tests/*' --no-location
    CUS_DEBUG=1 .venv/bin/python manage.py compilemessages --ignore='.venv/*'
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CATALOG = Path("locale") / "pl" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES = ["makemessages", "-l", "pl", "--ignore=.venv/*", "--ignore=tests/*", "--no-location"]
HOW_TO_FIX = (
    "Run `CUS_DEBUG=1 .venv/bin/python manage.py makemessages -l pl --ignore='.venv/*' --ignore='tests/*' "
    "--no-location` and translate the new entries in locale/pl/LC_MESSAGES/django.po."
)
PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*\d*(?:\.\d+)?(?P<type>[sdifreEgGxXoc%])")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def label(self) -> str:
        text = repr(self.msgid)
        if self.msgid_plural is not None:
            text += f" / plural {self.msgid_plural!r}"
        if self.msgctxt is not None:
            text += f" (context {self.msgctxt!r})"
        return text


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def _parse_entry(lines: list[tuple[int, str]]) -> Entry | None:
    """One blank-line separated block of a PO file, or None for a block of comments (e.g. obsolete ``#~``)."""
    entry = Entry(line=lines[0][0])
    target: tuple[str, int] | None = None
    seen_msgid = False
    for number, line in lines:
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            word, index, value = match.group(1), int(match.group(2) or 0), _unquote(match.group(3))
            target = (word, index)
            if word == "msgstr":
                entry.msgstrs[index] = value
            else:
                setattr(entry, word, value)
                if word == "msgid":
                    seen_msgid, entry.line = True, number
        elif line.startswith('"') and target is not None:
            if target[0] == "msgstr":
                entry.msgstrs[target[1]] += _unquote(line)
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + _unquote(line))
        else:
            raise ValueError(f"line {number}: cannot parse {line!r}")
    return entry if seen_msgid else None


def parse_po(path: Path) -> tuple[Entry | None, list[Entry]]:
    """The header entry and the active entries of a PO file; obsolete ``#~`` entries are left out."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line:
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    entries = [entry for block in blocks if block and (entry := _parse_entry(block)) is not None]
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    return header, [e for e in entries if e is not header]


def _placeholders(text: str) -> tuple[set[str], list[str]]:
    named, positional = set(), []
    for match in PLACEHOLDER.finditer(text):
        if match.group("type") == "%":
            continue
        if match.group("name"):
            named.add(match.group("name"))
        else:
            positional.append(match.group("type"))
    return named, sorted(positional)


def _bullets(items: list[str]) -> str:
    return "\n".join(f"  - {item}" for item in sorted(items))


@pytest.fixture(scope="module")
def catalog() -> tuple[Entry | None, list[Entry]]:
    return parse_po(ROOT / CATALOG)


def test_header_is_polish(catalog: tuple[Entry | None, list[Entry]]) -> None:
    header, _entries = catalog
    assert header is not None, "The catalog has no header entry."
    text = header.msgstrs.get(0, "")
    assert "fuzzy" not in header.flags, "Remove the '#, fuzzy' flag from the header of the catalog."
    assert "Language: pl\n" in text
    assert "Content-Type: text/plain; charset=UTF-8\n" in text
    assert "Plural-Forms: nplurals=3;" in text, "Polish has three plural forms (1 wpis, 2 wpisy, 5 wpisów)."


def test_every_entry_is_translated(catalog: tuple[Entry | None, list[Entry]]) -> None:
    _header, entries = catalog
    assert entries, "The catalog is empty."
    fuzzy = [f"line {e.line}: {e.label()}" for e in entries if "fuzzy" in e.flags]
    untranslated = []
    for e in entries:
        forms = range(3) if e.msgid_plural is not None else range(1)
        if any(not e.msgstrs.get(i, "").strip() for i in forms):
            untranslated.append(f"line {e.line}: {e.label()}")
    problems = []
    if fuzzy:
        problems.append(f"{len(fuzzy)} fuzzy entries; check each translation and remove the flag:\n{_bullets(fuzzy)}")
    if untranslated:
        problems.append(f"{len(untranslated)} untranslated entries:\n{_bullets(untranslated)}")
    assert not problems, "\n".join(problems)


def test_placeholders_are_kept(catalog: tuple[Entry | None, list[Entry]]) -> None:
    _header, entries = catalog
    wrong = []
    for e in entries:
        if "python-format" not in e.flags:
            continue
        expected = _placeholders(e.msgid)
        if e.msgid_plural is not None:
            expected = (expected[0] | _placeholders(e.msgid_plural)[0], expected[1])
        for index, text in sorted(e.msgstrs.items()):
            if _placeholders(text) != expected:
                wrong.append(f"line {e.line}: {e.label()} -> msgstr[{index}] {text!r}")
    assert not wrong, f"Translations that change the placeholders:\n{_bullets(wrong)}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
def test_msgfmt_accepts_the_catalog() -> None:
    result = subprocess.run(  # noqa: S603
        [shutil.which("msgfmt") or "msgfmt", "--check", "--statistics", "-o", os.devnull, str(ROOT / CATALOG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def test_catalog_is_up_to_date_with_the_code(tmp_path: Path, catalog: tuple[Entry | None, list[Entry]]) -> None:
    """makemessages on a copy of the sources finds exactly the msgids of the committed catalog."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "tests", ".*")
    shutil.copytree(ROOT / "cus", tmp_path / "cus", ignore=ignore)
    shutil.copytree(ROOT / "locale", tmp_path / "locale", ignore=ignore)
    for script in ROOT.glob("*.py"):  # manage.py and the top-level conftest.py, which makemessages also reads
        shutil.copy2(script, tmp_path / script.name)
    copied = tmp_path / CATALOG
    copied_mtime = copied.stat().st_mtime_ns

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "CUS_TESTING"}}
    env.update({"CUS_DEBUG": "1", "CUS_VAR_DIR": str(tmp_path / "var"), "PYTHONDONTWRITEBYTECODE": "1"})
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    assert copied.stat().st_mtime_ns != copied_mtime, "makemessages did not rewrite the copied catalog."

    _header, committed = catalog
    _header, regenerated = parse_po(copied)
    committed_keys = {e.key: e for e in committed}
    regenerated_keys = {e.key: e for e in regenerated}
    missing = [e.label() for key, e in regenerated_keys.items() if key not in committed_keys]
    obsolete = [e.label() for key, e in committed_keys.items() if key not in regenerated_keys]
    problems = []
    if missing:
        problems.append(f"{len(missing)} msgids in the code but not in the catalog:\n{_bullets(missing)}")
    if obsolete:
        problems.append(f"{len(obsolete)} msgids in the catalog but no longer in the code:\n{_bullets(obsolete)}")
    assert not problems, "\n".join([*problems, HOW_TO_FIX])


EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _eager_calls_at_import(tree: ast.Module) -> list[ast.Call]:
    """Calls of a non-lazy gettext that run when the module is imported (module level and class bodies)."""
    names = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    calls: list[ast.Call] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, FUNCTIONS):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return calls


def test_no_text_is_translated_once_at_import() -> None:
    """A label translated when its module is imported stays in the language of that moment (Polish) on every page;
    module-level and class-level texts must use the lazy functions."""
    found = []
    for path in sorted((ROOT / "cus").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for call in _eager_calls_at_import(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(call)}")
    assert not found, "Use gettext_lazy (or pgettext_lazy, ngettext_lazy) for:\n" + "\n".join(found)
