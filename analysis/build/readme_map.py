"""The README's map: which chapter and function produce each claim's verdict and each
figure and table (``python -m analysis readme-map``).

Generated, not written by hand, so it cannot drift from the code: claims come from
data/claims.yaml and :data:`analysis.chapters.CHAPTER_MODULES` (the function is the one
registered for the claim with ``@claim_check(CHAPTER, "Cxxx")``, else the one whose source names
the claim id), exhibits from the ``plotting.show`` / ``plotting.table``
calls in the chapter sources (book/src/*.md).
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


def _producer(module: str, hits: list[tuple[str, int]], builders: set[str]) -> str:
    """`module.evaluate`, plus the claim's registered function (or else the helper that builds the
    claim's checks) when one names it."""
    built = [h for h in hits if h[0] in builders and h[0].rsplit(".", 1)[-1] != "evaluate"]
    if built:
        return f"`{module}.evaluate` → `{built[0][0]}` (line {built[0][1]})"
    in_eval = [h for h in hits if h[0].rsplit(".", 1)[-1] == "evaluate"]
    if in_eval:
        return f"`{module}.evaluate` (line {in_eval[0][1]})"
    return f"`{module}.evaluate`"


def claim_rows() -> list[dict]:
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
                func = _producer(module, names.get(cid, []), builders)
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


def exhibits(chapter: str, md: str) -> list[Exhibit]:
    """Figures (plotting.show) and tables (plotting.table) of one chapter source, in order."""
    cells = []
    for start, code in code_cells(md):
        try:
            cells.append((start, ast.parse(code)))
        except SyntaxError:  # IPython magics: not Python, no exhibits to map
            continue
    aliases = {}
    for _, tree in cells:
        aliases.update(_aliases(tree))
    show = {k for k, v in aliases.items() if v in ("analysis.presentation.plotting", "analysis.presentation.plotting.show")}
    out, fig_no, history = [], 0, []
    for start, tree in cells:
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func) or ""
            full = _resolve(name, aliases) or ""
            if full not in ("analysis.presentation.plotting.show", "analysis.presentation.plotting.table") or name.split(".")[0] not in show | {
                    k for k, v in aliases.items() if v == "analysis.presentation.plotting.table"}:
                continue
            kind = "Figure" if full.endswith(".show") else "Table"
            cap_node = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "caption"), None)
            caption = _caption(cap_node) if cap_node is not None else ""
            in_loop, p = False, parents.get(node)
            while p is not None:
                in_loop |= isinstance(p, (ast.For, ast.While, ast.comprehension))
                p = parents.get(p)
            producers = _analysis_calls(node.args[0], aliases) if node.args else []
            if not producers and node.args:
                wanted = {n.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Name)}
                for stmt in reversed([*history, *tree.body]):
                    if _assigned_names(stmt) & wanted:
                        producers = _analysis_calls(stmt, aliases)
                        if producers:
                            break
            if kind == "Figure":
                fig_no += 1
            out.append(Exhibit(chapter, kind, fig_no if kind == "Figure" else None, caption, producers,
                               start + node.lineno - 1, in_loop))
        history.extend(tree.body)
    out.sort(key=lambda e: e.line)
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


def markdown() -> str:
    """The README section (markdown) mapping claims and exhibits to chapters and functions."""
    from ..chapters import CHAPTER_MODULES

    lines = [
        "<!-- Generated by `python -m analysis readme-map`; do not edit by hand. -->",
        "",
        "#### Claims",
        "",
        "Every verdict is computed by the chapter module's `evaluate(data_dir)`, which the chapter "
        "notebook (`book/src/<chapter>.md`, page `_build/html/book/<chapter>.html`) and "
        "`python -m analysis claim <id>` both call. After the arrow: the claim's function, registered "
        "with `@claim_check(CHAPTER, \"Cxxx\")` (`analysis.rules.registry`), with the line of that "
        "decorator, or else a helper of that module that builds checks and names the claim, with its line "
        "(in the files of `analysis/chapters/<module>/`).",
        "",
        "| claim | theme | doc | status | chapter | produced by |",
        "|---|---|---|---|---|---|",
    ]
    for r in claim_rows():
        lines.append(f"| {r['id']} | {r['theme']} | {r['document']} | {r['status']} | {r['chapter']} | {r['function']} |")
    rest = untested_ids()
    lines += [
        "",
        f"Not testable, no chapter ({len(rest)} claims; the reason is in `data/claims.yaml` and on the "
        "*Claims at a glance* page, `analysis.presentation.glance.glance_table`): " + ", ".join(rest) + ".",
        "",
        "#### Figures and tables",
        "",
        "Figures are numbered per chapter, as printed. *Produced by* lists the `analysis` functions the "
        "notebook cell calls; the line is in the chapter source.",
        "",
        "| chapter | exhibit | caption (shortened) | produced by | source line |",
        "|---|---|---|---|---|",
    ]
    for e in all_exhibits():
        label = f"Figure {e.number}" if e.kind == "Figure" else "Table"
        if e.in_loop:
            label += " (one per item of a loop)"
        prod = ", ".join(f"`{p}`" for p in e.producers) or "inline code in the notebook cell"
        lines.append(f"| {e.chapter} | {label} | {_short(e.caption)} | {prod} | "
                     f"`book/src/{e.chapter}.md:{e.line}` |")
    lines += ["", "Chapters and their modules: " + "; ".join(
        f"{ch} → `{mod}`" for ch, mod in CHAPTER_MODULES.items()) + "."]
    return "\n".join(lines) + "\n"


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
