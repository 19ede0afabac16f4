"""A tiny Sphinx extension so the built pages load without JavaScript errors.

jupyter-book 1.0.4 registers sphinx-thebe's assets twice (its ``env-before-read-docs``
handler runs more than once), so every page declares ``const THEBE_JS_URL`` twice and
the browser throws ``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``.
This extension drops exact duplicate script and stylesheet entries from each page.
Enable it in ``_config.yml`` under ``sphinx: extra_extensions: [analysis.build.sphinx_fixes]``.
"""

from __future__ import annotations


def _key(asset):
    # Sphinx stores an inline script's missing file name as None or '' depending on who added it
    attrs = getattr(asset, "attributes", {}) or {}
    return (getattr(asset, "filename", None) or "", tuple(sorted(attrs.items())))


def dedupe_assets(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of identical script/css entries (same file or inline body and attributes)."""
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if files:
            seen, kept = set(), []
            for asset in files:
                k = _key(asset)
                if k not in seen:
                    seen.add(k)
                    kept.append(asset)
            context[key] = kept


def setup(app):
    app.connect("html-page-context", dedupe_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
