"""The claim and figure map: which chapter and function produce each claim's verdict and each
figure and table. The book shows it as its last page (*Appendix: where each number comes
from*, ``book/claim-map.md``, written by ``python -m analysis readme-map --page``, without line
numbers); ``python -m analysis readme-map`` prints it with line numbers.

Generated, not written by hand, so it cannot drift from the code: claims come from
data/claims.yaml and :data:`analysis.chapters.CHAPTER_MODULES` (the function is the one
registered for the claim with ``@claim_check(CHAPTER, "Cxxx")``, else the one whose source names
the claim id), exhibits from the ``plotting.show`` / ``plotting.table``
calls in the chapter sources (book/src/*.md) and in the page functions
(analysis/presentation/pages) that their cells call.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from .. import config

SOURCES = config.REPO_ROOT / "book" / "src"
BEGIN = "<!-- BEGIN readme-map -->"
END = "<!-- END readme-map -->"
FENCE = re.compile(r"^```\{code-cell\}")


# ------------------------------------------------------------------ claims
def _module_path(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # not importable, or a module object without a file
        return None
    return Path(spec.origin) if spec and spec.origin and Path(spec.origin).is_file() else None


CHECK_BUILDERS = {"check_value", "check_statement", "ClaimResult"}
REGISTER = "claim_check"  # analysis.rules.registry.claim_check(CHAPTER, "Cxxx")


def _registered_ids(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, int]]:
    """(claim id, decorator line) for each ``@claim_check(CHAPTER, "Cxxx")`` on a function."""
    out = []
    for dec in fn.decorator_list:
        if not isinstance(dec, ast.Call):
            continue
        name = dec.func.attr if isinstance(dec.func, ast.Attribute) else getattr(dec.func, "id", "")
        if name != REGISTER:
            continue
        for arg in dec.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.fullmatch(r"C\d{3}", arg.value):
                out.append((arg.value, dec.lineno))
    return out


def _functions_naming(path: Path) -> tuple[dict[str, list[tuple[str, int]]], set[str]]:
    """claim id -> [(innermost function whose code names it, line)], and the functions that
    build checks (call check_value, check_statement or ClaimResult), from the module's AST.

    A function registered for a claim with ``@claim_check(CHAPTER, "Cxxx")`` is the claim's
    function: it comes first for that id (at its decorator's line) and counts as a builder.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, list[tuple[str, int]]] = {}
    builders: set[str] = set()

    def visit(node, func):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = node.name
            for cid, line in _registered_ids(node):
                builders.add(func)
                hits = found.setdefault(cid, [])
                if (func, line) in hits:
                    hits.remove((func, line))
                hits.insert(0, (func, line))
        if isinstance(node, ast.Call) and func:
            target = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if target in CHECK_BUILDERS:
                builders.add(func)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for cid in re.findall(r"\bC\d{3}\b", node.value):
                if func and (func, node.lineno) not in found.get(cid, []):
                    found.setdefault(cid, []).append((func, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, func)

    visit(tree, None)
    return found, builders


def _naming_in(path: Path) -> tuple[dict[str, list[tuple[str, int]]], set[str]]:
    """As :func:`_functions_naming`, over every file of a chapter package (functions named
    ``<file>.<function>``, lines within that file)."""
    if path.name != "__init__.py":
        return _functions_naming(path)
    found: dict[str, list[tuple[str, int]]] = {}
    builders: set[str] = set()
    for f in sorted(path.parent.glob("*.py")):
        if f.name == "__init__.py":
            continue
        names, built = _functions_naming(f)
        for cid, hits in names.items():
            found.setdefault(cid, []).extend((f"{f.stem}.{fn}", line) for fn, line in hits)
        builders |= {f"{f.stem}.{fn}" for fn in built}
    for hits in found.values():  # registered functions first, whichever file they are in
        hits.sort(key=lambda h: h[0] not in builders)
    return found, builders


def _producer(module: str, hits: list[tuple[str, int]], builders: set[str], line_numbers: bool = True) -> str:
    """`module.evaluate`, plus the claim's registered function (or else the helper that builds the
    claim's checks) when one names it; with its line unless ``line_numbers`` is false."""
    built = [h for h in hits if h[0] in builders and h[0].rsplit(".", 1)[-1] != "evaluate"]
    if built:
        line = f" (line {built[0][1]})" if line_numbers else ""
        return f"`{module}.evaluate` → `{built[0][0]}`{line}"
    in_eval = [h for h in hits if h[0].rsplit(".", 1)[-1] == "evaluate"]
    if in_eval and line_numbers:
        return f"`{module}.evaluate` (line {in_eval[0][1]})"
    return f"`{module}.evaluate`"


def claim_rows(line_numbers: bool = True) -> list[dict]:
    """One row per claim a chapter evaluates (evaluated, pending, or not testable with a chapter)."""
    from ..chapters import CHAPTER_MODULES
    from ..rules.claims import claims

    naming = {}
    for ch, module in CHAPTER_MODULES.items():
        path = _module_path(module)
        naming[ch] = (path, *(_naming_in(path) if path else ({}, set())))
    rows = []
    for cid, e in claims().items():
        for ch in e.get("chapters") or []:
            path, names, builders = naming.get(ch, (None, {}, set()))
            module = CHAPTER_MODULES.get(ch, "?")
            if path is None:
                func = f"`{module.replace('.', '/')}.py` (not written yet)"
            else:
                func = _producer(module, names.get(cid, []), builders, line_numbers)
            rows.append({"id": cid, "theme": e.get("theme", "-"), "document": str(e.get("document", "")),
                         "status": e.get("status", ""), "chapter": ch, "function": func})
    return rows


def untested_ids() -> list[str]:
    from ..rules.claims import claims

    return [cid for cid, e in claims().items() if not e.get("chapters")]


# ------------------------------------------------------------------ figures and tables
@dataclass
class Exhibit:
    chapter: str
    kind: str  # "Figure" or "Table"
    number: int | None
    caption: str
    producers: list[str]
    line: int
    in_loop: bool = False
    path: str | None = None  # the page module that shows it; None: the chapter source itself


def code_cells(md: str) -> list[tuple[int, str]]:
    """(first code line number, code) for each ``{code-cell}`` of a MyST notebook."""
    lines = md.splitlines()
    cells, i = [], 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            i += 1
            if i < len(lines) and lines[i].strip() == "---":  # YAML options block
                i += 1
                while i < len(lines) and lines[i].strip() != "---":
                    i += 1
                i += 1
            while i < len(lines) and lines[i].startswith(":"):  # :tags: [...] options
                i += 1
            start, body = i, []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            cells.append((start + 1, "\n".join(body)))
        i += 1
    return cells


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Names bound to analysis modules or functions: ``ch`` -> analysis.chapters.solna_sundbyberg."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "analysis":
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "analysis":
                    out[a.asname or a.name] = a.name
    return out


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _resolve(name: str, aliases: dict[str, str]) -> str | None:
    head, _, rest = name.partition(".")
    if head not in aliases:
        return None
    return f"{aliases[head]}.{rest}" if rest else aliases[head]


def _caption(node) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _caption(node.left) + _caption(node.right)
    return "(caption computed in the chapter)"


def _analysis_calls(node, aliases) -> list[str]:
    calls = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = _dotted(sub.func)
            full = _resolve(name, aliases) if name else None
            if full and not full.startswith("analysis.presentation.plotting") and full not in calls:
                calls.append(full)
    return calls


def _assigned_names(stmt) -> set[str]:
    names = set()
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for t in targets:
            names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


PAGES = "analysis.presentation.pages"
PLOTTING = "analysis.presentation.plotting"
EXHIBIT_CALLS = {f"{PLOTTING}.show": "Figure", f"{PLOTTING}.table": "Table"}


@dataclass
class _Scope:
    """Where exhibit calls are looked for: a notebook cell or the body of a page function."""

    aliases: dict[str, str]
    history: list  # statements of earlier cells: what a name was computed from
    body: list  # statements of this cell or function (those before an exhibit count)
    params: dict  # a page function's parameters -> (argument node at the call, the caller's scope)
    path: str | None = None  # the page module (repository-relative); None for the chapter source
    function: str | None = None  # the page function (dotted), None for a notebook cell
    offset: int = 0  # line of the code's first line minus one (notebook cells)


_MODULES: dict[str, tuple[Path, ast.Module]] = {}


def _page_module(module: str) -> tuple[Path, ast.Module] | None:
    if module not in _MODULES:
        path = _module_path(module)
        if path is None:
            return None
        _MODULES[module] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return _MODULES[module]


def _page_function(full: str):
    """(module file, module aliases, function node) of a page function such as
    ``analysis.presentation.pages.printed_tables.backtest``, else None."""
    if not full.startswith(PAGES + "."):
        return None
    module, _, name = full.rpartition(".")
    found = _page_module(module)
    if found is None:
        return None
    path, tree = found
    aliases = _aliases(tree)
    funcs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    aliases.update({f: f"{module}.{f}" for f in funcs})  # the module's own helpers, called by bare name
    return (path, aliases, funcs[name]) if name in funcs else None


def _bind(func, call) -> dict[str, ast.AST]:
    """The page function's parameters bound to the argument nodes of one call of it."""
    names = [a.arg for a in func.args.posonlyargs + func.args.args]
    bound = dict(zip(names, call.args))
    bound.update({k.arg: k.value for k in call.keywords if k.arg})
    return bound


def _param(node, scope: _Scope):
    """A parameter of the page function passed at the call: (argument node, caller's scope)."""
    if isinstance(node, ast.Name) and node.id in scope.params:
        return scope.params[node.id]
    return None


def _caption_in(node, scope: _Scope) -> str:
    bound = _param(node, scope)
    return _caption_in(*bound) if bound else _caption(node)


def _producers(node, scope: _Scope, before: int) -> list[str]:
    """The analysis functions an exhibit's data come from: those called in the argument, else in the
    statement (before the exhibit) that assigned a name it uses, else those the caller passed in."""
    bound = _param(node, scope)
    if bound:
        arg, caller = bound
        return _producers(arg, caller, getattr(arg, "lineno", 10**9))
    producers = _analysis_calls(node, scope.aliases)
    if producers:
        return producers
    wanted = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    for stmt in reversed([*scope.history, *(s for s in scope.body if s.lineno <= before)]):
        if _assigned_names(stmt) & wanted:
            producers = _from_page_return(stmt, wanted, scope) or _analysis_calls(stmt, scope.aliases)
            if producers:
                return producers
    for name in sorted(wanted & set(scope.params)):
        producers = _producers(ast.Name(id=name), scope, before)
        if producers:
            return producers
    return []


def _from_page_return(stmt, wanted: set[str], scope: _Scope) -> list[str]:
    """Where a value a page function returns comes from: for ``meta, summary = page.setup(...)``,
    the analysis functions behind the returned element that became the wanted name."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call)):
        return []
    found = _page_function(_resolve(_dotted(stmt.value.func) or "", scope.aliases) or "")
    if not found:
        return []
    _, aliases, func = found
    target = stmt.targets[0]
    unpacked = isinstance(target, ast.Tuple)
    names = [getattr(t, "id", None) for t in target.elts] if unpacked else [getattr(target, "id", None)]
    inner = _Scope(aliases, [], func.body, {k: (v, scope) for k, v in _bind(func, stmt.value).items()})
    out = []
    for ret in (s for s in func.body if isinstance(s, ast.Return) and s.value is not None):
        values = ret.value.elts if unpacked and isinstance(ret.value, ast.Tuple) else [ret.value]
        if len(values) != len(names):
            continue
        for name, value in zip(names, values):
            if name in wanted:
                out += [p for p in _producers(value, inner, ret.lineno) if p not in out]
    return out


def _scan(tree, scope: _Scope, key: tuple, in_loop: bool, depth: int, chapter: str) -> list[tuple]:
    """(sort key, Exhibit) for every plotting.show/table call in ``tree``, following calls of page
    functions (analysis/presentation/pages) into their bodies."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func) or ""
        full = _resolve(name, scope.aliases) or ""
        looped, p = in_loop, parents.get(node)
        while p is not None:
            looped |= isinstance(p, (ast.For, ast.While, ast.comprehension))
            p = parents.get(p)
        here = (*key, node.lineno, node.col_offset)
        if full in EXHIBIT_CALLS and scope.aliases.get(name.split(".")[0]) in (PLOTTING, full):
            kind = EXHIBIT_CALLS[full]
            cap_node = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "caption"), None)
            caption = _caption_in(cap_node, scope) if cap_node is not None else ""
            producers = _producers(node.args[0], scope, node.lineno) if node.args else []
            if not producers and scope.function:
                producers = [scope.function]
            out.append((here, Exhibit(chapter, kind, None, caption, producers, scope.offset + node.lineno, looped,
                                      scope.path)))
        elif depth < 4 and (found := _page_function(full)):
            path, aliases, func = found
            inner = _Scope(aliases, [], func.body, {k: (v, scope) for k, v in _bind(func, node).items()},
                           str(path.relative_to(config.REPO_ROOT)), full)
            for stmt in func.body:
                out += _scan(stmt, inner, here, looped, depth + 1, chapter)
    return out


def exhibits(chapter: str, md: str) -> list[Exhibit]:
    """Figures (plotting.show) and tables (plotting.table) of one chapter source, in order,
    including those shown by the page functions (analysis/presentation/pages) its cells call."""
    cells = []
    for start, code in code_cells(md):
        try:
            cells.append((start, ast.parse(code)))
        except SyntaxError:  # IPython magics: not Python, no exhibits to map
            continue
    aliases = {}
    for _, tree in cells:
        aliases.update(_aliases(tree))
    found, history = [], []
    for start, tree in cells:
        scope = _Scope(aliases, list(history), tree.body, {}, offset=start - 1)
        found += _scan(tree, scope, (start,), False, 0, chapter)
        history.extend(tree.body)
    found.sort(key=lambda f: f[0])
    out, fig_no = [], 0
    for _, e in found:
        if e.kind == "Figure":
            fig_no += 1
            e.number = fig_no
        out.append(e)
    return out


def all_exhibits() -> list[Exhibit]:
    from . import pipeline

    out = []
    for src in pipeline.chapter_sources():
        out.extend(exhibits(src.stem, src.read_text(encoding="utf-8")))
    return out


# ------------------------------------------------------------------ markdown
def _short(text: str, n: int = 110) -> str:
    text = " ".join(text.replace("|", "/").split())
    if text.startswith("Table: "):
        text = text[len("Table: "):]
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def markdown(line_numbers: bool = True, heading: str = "####") -> str:
    """The map (markdown) of claims and exhibits to chapters and functions. With
    ``line_numbers=False`` (the book's appendix page) it names files and functions only, so
    an edit elsewhere in a file does not change the page."""
    from ..chapters import CHAPTER_MODULES

    lines = [
        "<!-- Generated by `python -m analysis readme-map`; do not edit by hand. -->",
        "",
        f"{heading} Claims",
        "",
        "Every verdict is computed by the chapter module's `evaluate(data_dir)`, which the chapter "
        "notebook (`book/src/<chapter>.md`, page `_build/html/book/<chapter>.html`) and "
        "`python -m analysis claim <id>` both call. After the arrow: the claim's function, registered "
        "with `@claim_check(CHAPTER, \"Cxxx\")` (`analysis.rules.registry`)"
        + (", with the line of that decorator, " if line_numbers else ", ")
        + "or else a helper of that module that builds checks and names the claim"
        + (", with its line " if line_numbers else " ")
        + "(in the files of `analysis/chapters/<module>/`).",
        "",
        "| claim | theme | doc | status | chapter | produced by |",
        "|---|---|---|---|---|---|",
    ]
    for r in claim_rows(line_numbers):
        lines.append(f"| {r['id']} | {r['theme']} | {r['document']} | {r['status']} | {r['chapter']} | {r['function']} |")
    rest = untested_ids()
    lines += [
        "",
        f"Not testable, no chapter ({len(rest)} claims; the reason is in `data/claims.yaml` and on the "
        "*Claims at a glance* page, `analysis.presentation.glance.glance_table`): " + ", ".join(rest) + ".",
        "",
        f"{heading} Figures and tables",
        "",
        "Figures are numbered per chapter, as printed. *Produced by* lists the `analysis` functions the "
        "notebook cell calls; " + ("the line is in the chapter source. " if line_numbers else "")
        + "Where the cell calls a page function "
        "(`analysis/presentation/pages/`), the exhibit is listed at its `plotting` call in that module, with "
        "the functions its data come from (or the page function itself).",
        "",
        f"| chapter | exhibit | caption (shortened) | produced by | source{' line' if line_numbers else ''} |",
        "|---|---|---|---|---|",
    ]
    for e in all_exhibits():
        label = f"Figure {e.number}" if e.kind == "Figure" else "Table"
        if e.in_loop:
            label += " (one per item of a loop)"
        prod = ", ".join(f"`{p}`" for p in e.producers) or "inline code in the notebook cell"
        where = str(e.path) if e.path else f"book/src/{e.chapter}.md"
        if line_numbers:
            where += f":{e.line}"
        lines.append(f"| {e.chapter} | {label} | {_short(e.caption)} | {prod} | `{where}` |")
    lines += ["", "Chapters and their modules: " + "; ".join(
        f"{ch} → `{mod}`" for ch, mod in CHAPTER_MODULES.items()) + "."]
    return "\n".join(lines) + "\n"


PAGE = config.REPO_ROOT / "book" / "claim-map.md"
PAGE_HEAD = """# Appendix: where each number comes from

This page maps every claim to the chapter and the function that give its verdict, and every
figure and table to the functions its data come from. It is generated from the code
(`python -m analysis readme-map --page` writes it; a test fails when it is out of date) and
names files and functions without line numbers, so it changes only when they do;
`python -m analysis readme-map` prints the same map with line numbers.

"""


def page_markdown() -> str:
    """The book's appendix page body: the map without line numbers."""
    return markdown(line_numbers=False, heading="##")


def page_text() -> str:
    """The whole appendix page (``book/claim-map.md``)."""
    return PAGE_HEAD + page_markdown()


def write_page(path: Path = PAGE) -> bool:
    """Write the appendix page; True if it changed."""
    from ..atomic import write_text

    text = page_text()
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_text(path, text)
    return True


def update_file(path: Path) -> bool:
    """Replace the text between the BEGIN/END readme-map markers of ``path``; True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"{path}: needs exactly one {BEGIN} … {END} section to update")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    new = f"{head}{BEGIN}\n{markdown()}{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
