"""One figure and table style for the whole book: captions with units and sources, readable
numbers, and the data behind every exhibit as a CSV a reader can download.

Every figure is shown with :func:`show`: the source is stamped on the image (so it travels
with a copied PNG), text is enlarged to at least :data:`MIN_PT` points at the size the page
displays the figure, a legend that covers data is moved beside the axes, and the figure is
written as ``<figure>`` with alt text and a ``<figcaption>`` that links the data drawn in it
(read back from the figure's own artists, so no chapter has to pass it). Every table is shown
with :func:`table`: human column headers, integer years, thousands separated by a thin space,
p-values as "< 0.001", a ``<caption>``, its own horizontal scroll box on a narrow screen, and
a CSV of the table under it.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .. import config  # noqa: E402
from ..style import PALETTE, VERDICT_COLOURS  # noqa: E402,F401 (re-exported for the notebooks)

KOLADA_SOURCE = "Source: Kolada (RKA), snapshot of the open-numbers DDF dump (Aug 2024); own calculations."

# Files under book/files are copied to the site's root by jupyter-book (html_extra_path in
# _config.yml): book/files/downloads/<page>/table-1.csv is <site>/downloads/<page>/table-1.csv,
# linked from <site>/book/<page>.html as ../downloads/<page>/table-1.csv.
SITE_FILES = config.REPO_ROOT / "book" / "files"
DOWNLOADS = SITE_FILES / "downloads"
PAGE_ENV_VAR = "MUNI_PAGE"  # set by the build for each executed page

MIN_PT = 9.0  # smallest text in a figure, in points at the size the page shows it
COLUMN_PX = 760  # width of the text column at a 1,400-px window (CSS px)
CSS_DPI = 96  # CSS px per inch
RENDER_DPI = 2 * CSS_DPI  # sharp on high-density screens; the <img> is shown at half its pixels

LONG_ROWS, LONG_CHARS = 25, 6000  # a table longer than this is shown collapsed, its caption visible
THIN = "\u202f"  # narrow no-break space: the SI thousands separator, read alike in Swedish and English

_state: dict = {"figure": 0, "table": 0, "page": None}


# ------------------------------------------------------------------ set-up and downloads
def setup(page: str | None = None) -> None:
    """Apply the book's style (call once at the top of a page) and start its numbering; the
    page's old downloads are removed so that none outlives the exhibit it belonged to."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=1.0)
    plt.rcParams.update({
        "figure.dpi": CSS_DPI, "savefig.dpi": RENDER_DPI, "figure.figsize": (8, 4.5), "axes.titleweight": "bold",
        "font.size": 10.5, "axes.titlesize": 11.5, "axes.labelsize": 10.5, "xtick.labelsize": 10,
        "ytick.labelsize": 10, "legend.fontsize": 10, "legend.title_fontsize": 10, "figure.titlesize": 12,
    })
    _state.update(figure=0, table=0, page=page or os.environ.get(PAGE_ENV_VAR) or _state.get("page"))
    folder = _page_folder(create=False)
    if folder is not None and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def _page_folder(create: bool = True):
    page = _state.get("page") or os.environ.get(PAGE_ENV_VAR)
    if not page:
        return None
    _state["page"] = page
    folder = DOWNLOADS / page
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save_csv(df: pd.DataFrame, stem: str) -> str | None:
    """Write ``df`` as UTF-8 CSV (with a byte-order mark, so that Excel keeps å, ä, ö) into the
    page's download folder; return its link relative to the page, or None outside a build."""
    folder = _page_folder()
    if folder is None or df is None or df.empty:
        return None
    df.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
    return f"../downloads/{_state['page']}/{stem}.csv"


def _download_link(href: str | None, what: str) -> str:
    if not href:
        return ""
    return f' <a class="download" href="{html.escape(href)}" download>Download the data of this {what} (CSV)</a>'


# ------------------------------------------------------------------ numbers and headers
HEADERS = {
    "year_published": "year (published)", "year_data": "year (data)", "n": "n", "p": "p", "se": "standard error",
    "ci_low": "95 % CI, low", "ci_high": "95 % CI, high", "coef": "coefficient", "kpi": "KPI", "rmspe": "RMSPE",
}


def human_header(col) -> str:
    """'year_published' → 'year (published)'; other code names lose their underscores."""
    name = str(col)
    if name in HEADERS:
        return HEADERS[name]
    return name.replace("_", " ") if re.fullmatch(r"[a-z0-9_]+", name) and "_" in name else name


def _is_year_col(name: str) -> bool:
    n = name.lower()
    return bool(re.search(r"(^|[\s_(])(year|years|år)($|[\s_)])", n)) or n in {"year", "år", "from", "to"}


def _is_p_col(name: str) -> bool:
    n = name.lower().strip()
    return bool(re.fullmatch(r"p|p[ _-]?value|p \(.*\)|p[ _](one|two)[ _-]sided.*|one-sided p.*|.*\bp-value.*|p_.*", n))


def fmt_number(x, precision: int = 1) -> str:
    """Thousands separated by a thin space, ``precision`` decimals (none for whole numbers)."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)) or x is pd.NA:
        return "–"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)) or (isinstance(x, (float, np.floating)) and float(x).is_integer()
                                             and abs(x) >= 1000):
        return f"{int(x):,}".replace(",", THIN)
    return f"{float(x):,.{precision}f}".replace(",", THIN)


def fmt_p(x) -> str:
    """p-values as a reader expects them: '< 0.001', otherwise three decimals."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def fmt_year(x) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    if isinstance(x, (int, float, np.integer, np.floating)) and float(x).is_integer():
        return str(int(x))
    return str(x)


def formatted(df: pd.DataFrame, precision: int = 1) -> pd.DataFrame:
    """The table as text, column by column: years as integers, p-values as '< 0.001', numbers
    with thousands separators; text stays as it is."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        name = str(col)
        s = df[col]
        if _is_year_col(name):
            f = fmt_year
        elif _is_p_col(name):
            f = fmt_p
        else:
            def f(x, precision=precision):
                if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
                    return fmt_number(x, precision)
                return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)
        out[human_header(col)] = [f(x) for x in s]
    return out


def table(df, caption: str, source: str = KOLADA_SOURCE, **style):
    """Display a table with a <caption>, its source and a CSV of it, in a box that scrolls
    sideways on its own when the table is wider than the screen (no index); ``collapsed=True``
    shows only the caption, the table one click away."""
    from IPython.display import HTML, display

    _state["table"] += 1
    precision = style.get("precision", 1)
    shown = formatted(df.reset_index(drop=True), precision)
    href = _save_csv(shown.rename(columns=str), f"table-{_state['table']}")
    cap = _inline_markdown(caption)
    body = shown.to_html(index=False, escape=True, border=0, classes="data-table", na_rep="–")
    body = body.replace(">\n  <thead>", f">\n  <caption>{cap}</caption>\n  <thead>", 1)
    out = f'<div class="table-box" role="region" tabindex="0" aria-label="{html.escape(_plain(caption))}">{body}</div>'
    n_chars = int(shown.astype(str).map(len).to_numpy().sum())
    if style.get("collapsed", len(shown) > LONG_ROWS or n_chars > LONG_CHARS):  # opened when a reader wants it
        out = (f'<details class="table-details"><summary>{cap} <i>({len(shown)} rows; open the table)</i></summary>'
               f"{out}</details>")
    display(HTML(out + f'<p class="exhibit-source"><em>{html.escape(source)}</em>{_download_link(href, "table")}</p>'))


# ------------------------------------------------------------------ figures
def _inline_markdown(text: str) -> str:
    """The little Markdown captions use (**bold**, *italic*, `code`) as HTML, the rest escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _plain(text: str) -> str:
    return re.sub(r"[*`]", "", text)


def figure_data(fig) -> pd.DataFrame:
    """The numbers drawn in a figure, read back from its artists: one row per point of each
    line, marker and bar, and per cell of a heat map, with its panel and series."""
    from matplotlib.collections import PathCollection, PolyCollection, QuadMesh
    from matplotlib.container import BarContainer
    from matplotlib.image import AxesImage

    rows = []
    for i, ax in enumerate(fig.axes, 1):
        panel = ax.get_title() or f"panel {i}"
        xl, yl = ax.get_xlabel() or "x", ax.get_ylabel() or "y"
        for line in ax.get_lines():
            label = line.get_label()
            x, y = np.asarray(line.get_xdata(), dtype=object), np.asarray(line.get_ydata(), dtype=object)
            if len(x) < 2 and not str(label).startswith("_"):
                continue
            series = "" if str(label).startswith("_") else label
            rows += [{"panel": panel, "series": series, "x": a, "y": b, "x means": xl, "y means": yl}
                     for a, b in zip(x, y)]
        for coll in ax.collections:
            label = coll.get_label()
            series = "" if str(label).startswith("_") else label
            if isinstance(coll, QuadMesh):
                arr = np.asarray(coll.get_array())
                xt = [t.get_text() for t in ax.get_xticklabels()]
                yt = [t.get_text() for t in ax.get_yticklabels()]
                if arr.ndim == 1 and len(xt) and len(yt) and arr.size == len(xt) * len(yt):
                    arr = arr.reshape(len(yt), len(xt))
                if arr.ndim == 2:
                    for r in range(arr.shape[0]):
                        for c in range(arr.shape[1]):
                            rows.append({"panel": panel, "series": series, "x": xt[c] if c < len(xt) else c,
                                         "y": yt[r] if r < len(yt) else r, "value": arr[r, c],
                                         "x means": xl, "y means": yl})
            elif isinstance(coll, PathCollection):
                rows += [{"panel": panel, "series": series, "x": a, "y": b, "x means": xl, "y means": yl}
                         for a, b in np.asarray(coll.get_offsets())]
            elif isinstance(coll, PolyCollection):
                continue  # confidence bands: their edges are the lines' intervals
        for cont in ax.containers:
            if isinstance(cont, BarContainer):
                label = cont.get_label()
                series = "" if str(label).startswith("_") else label
                for bar in cont.patches:
                    horizontal = getattr(cont, "orientation", "vertical") == "horizontal"
                    rows.append({"panel": panel, "series": series,
                                 "x": bar.get_y() + bar.get_height() / 2 if horizontal else bar.get_x() + bar.get_width() / 2,
                                 "y": bar.get_width() if horizontal else bar.get_height(),
                                 "x means": yl if horizontal else xl, "y means": xl if horizontal else yl})
        for im in ax.get_images():
            if isinstance(im, AxesImage):
                arr = np.asarray(im.get_array())
                if arr.ndim == 2:
                    rows += [{"panel": panel, "series": "", "x": c, "y": r, "value": arr[r, c]}
                             for r in range(arr.shape[0]) for c in range(arr.shape[1])]
    return pd.DataFrame(rows)


def _kind(fig) -> str:
    from matplotlib.collections import PathCollection, QuadMesh

    kinds = []
    for ax in fig.axes:
        if any(isinstance(c, QuadMesh) for c in ax.collections) or ax.get_images():
            kinds.append("heat map")
        elif ax.containers:
            kinds.append("bar chart")
        elif any(isinstance(c, PathCollection) and len(c.get_offsets()) > 5 for c in ax.collections):
            kinds.append("scatter plot")
        elif ax.get_lines():
            kinds.append("line chart")
    kinds = list(dict.fromkeys(kinds)) or ["chart"]
    return " and ".join(kinds)


def alt_text(fig, caption: str) -> str:
    """What the figure shows, in words: its kind, its panels and axes, then the caption."""
    panels = [ax for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel() or ax.get_title()]
    parts = []
    for ax in panels[:4]:
        bits = [ax.get_title()] if ax.get_title() else []
        if ax.get_ylabel() and ax.get_xlabel():
            bits.append(f"{ax.get_ylabel()} against {ax.get_xlabel()}")
        elif ax.get_ylabel() or ax.get_xlabel():
            bits.append(ax.get_ylabel() or ax.get_xlabel())
        parts.append(": ".join(bits))
    n = len([ax for ax in fig.axes if ax.has_data()])
    head = _kind(fig).capitalize() + (f" in {n} panels" if n > 1 else "")
    detail = "; ".join(p for p in parts if p)
    return " ".join(f"{head}{' (' + detail + ')' if detail else ''}. {_plain(caption)}".split())


def _display_scale(fig) -> float:
    """How much the page shrinks the figure: the column width over its width at CSS size."""
    width_px = fig.get_figwidth() * CSS_DPI
    return min(1.0, COLUMN_PX / width_px)


def _readable_text(fig, scale: float | None = None) -> None:
    """Enlarge every text of the figure to at least MIN_PT at the size the page shows it."""
    from matplotlib.text import Text

    floor = MIN_PT / (scale or _display_scale(fig))
    for ax in fig.axes:
        for which in ("x", "y"):
            labels = getattr(ax, f"get_{which}ticklabels")()
            if labels and min(t.get_fontsize() for t in labels) < floor:
                ax.tick_params(axis=which, labelsize=floor)
        n = len([t for t in ax.get_yticklabels() if t.get_text()])
        if n > 12:  # many category labels (a heat map): give each line room rather than shrink it
            need = n * floor * 1.35 / 72 / max(ax.get_position().height, 0.3)
            if need > fig.get_figheight():
                fig.set_figheight(need)
    for t in fig.findobj(Text):
        if t.get_text() and t.get_fontsize() < floor:
            t.set_fontsize(floor)


def _integer_years(fig) -> None:
    """An axis of years gets whole-number ticks (2010, not 2010.0 or 2012.5)."""
    from matplotlib.ticker import MaxNLocator

    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        if "year" in ax.get_xlabel().lower() or (1900 <= lo <= 2100 and 1900 <= hi <= 2100 and ax.get_lines()):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _below_axis(ax) -> float:
    """Where a panel's x-axis (ticks and label) ends, in axes coordinates (< 0)."""
    renderer = ax.figure.canvas.get_renderer()
    box = ax.xaxis.get_tightbbox(renderer)
    return min(0.0, box.transformed(ax.transAxes.inverted()).y0) if box is not None else -0.1


def _no_overlapping_labels(fig) -> None:
    """Larger text must not collide: fewer ticks where tick labels overlap, and an axis label
    longer than its panel wrapped onto two lines."""
    import textwrap

    from matplotlib.ticker import FixedLocator, MaxNLocator

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis, horizontal in ((ax.xaxis, True), (ax.yaxis, False)):
            if isinstance(axis.get_major_locator(), FixedLocator):
                continue  # categories (a heat map's rows): every one is needed
            for _ in range(3):
                boxes = [t.get_window_extent(renderer) for t in axis.get_ticklabels() if t.get_text()]
                boxes.sort(key=lambda b: b.x0 if horizontal else b.y0)
                if not any((a.x1 if horizontal else a.y1) + 2 > (b.x0 if horizontal else b.y0)
                           for a, b in zip(boxes, boxes[1:])):
                    break
                integer = isinstance(axis.get_major_locator(), MaxNLocator) and axis.get_major_locator()._integer
                axis.set_major_locator(MaxNLocator(nbins=max(2, len(boxes) // 2), integer=integer))
                fig.canvas.draw()
        width = ax.get_window_extent(renderer).width
        label = ax.xaxis.label
        if label.get_text() and label.get_window_extent(renderer).width > 1.05 * width:
            chars = max(12, int(len(label.get_text()) * width / label.get_window_extent(renderer).width))
            label.set_text(textwrap.fill(label.get_text(), chars))
        leg = ax.get_legend()
        if leg is not None and leg.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0 + 1:
            fig.canvas.draw()  # a legend under the panel stays under its (perhaps now taller) axis labels
            leg.set_bbox_to_anchor((0.5, _below_axis(ax) - 0.02), transform=ax.transAxes)
            leg.set_loc("upper center")
        height = ax.get_window_extent(renderer).height
        label = ax.yaxis.label
        if label.get_text() and label.get_window_extent(renderer).height > 1.05 * height:
            chars = max(12, int(len(label.get_text()) * height / label.get_window_extent(renderer).height))
            label.set_text(textwrap.fill(label.get_text(), chars))


def _covers_data(ax, legend) -> bool:
    from matplotlib.collections import PathCollection

    box = legend.get_window_extent()
    pts = []
    for line in ax.get_lines():
        xy = np.asarray(line.get_xydata(), dtype=float)
        if len(xy) > 1 and line.get_linestyle() not in ("None", "", " "):
            t = np.linspace(0, 1, 25)[:, None]  # points along each segment, not only its ends
            xy = (xy[:-1, None, :] * (1 - t) + xy[1:, None, :] * t).reshape(-1, 2)
        if len(xy):
            pts.append(ax.transData.transform(xy))
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and len(coll.get_offsets()):
            pts.append(ax.transData.transform(np.asarray(coll.get_offsets(), dtype=float)))
    for patch in ax.patches:
        if box.overlaps(patch.get_window_extent()) and patch.get_height() != 0:
            return True
    for p in pts:
        p = p[np.isfinite(p).all(axis=1)]
        if len(p) and ((p[:, 0] >= box.x0) & (p[:, 0] <= box.x1) & (p[:, 1] >= box.y0) & (p[:, 1] <= box.y1)).any():
            return True
    return False


def _legends_off_data(fig) -> None:
    """A legend inside the axes that covers a point, line or bar moves beside the axes (for the
    rightmost panel of a row) or above it."""
    fig.canvas.draw()
    rights = {}
    for ax in fig.axes:
        pos = ax.get_position()
        key = round(pos.y0, 2)
        rights[key] = max(rights.get(key, 0), pos.x1)
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is None or not leg.get_visible() or not _covers_data(ax, leg):
            continue
        pos = ax.get_position()
        handles, labels = leg.legend_handles, [t.get_text() for t in leg.get_texts()]
        title = leg.get_title().get_text() or None
        narrow = leg.get_window_extent().width < 0.45 * ax.get_window_extent().width
        if narrow and pos.x1 >= rights[round(pos.y0, 2)] - 1e-6:  # beside the rightmost panel
            ax.legend(handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        else:  # below the panel, under its axis labels
            below = _below_axis(ax)
            for ncol in (min(len(labels), 2), 1):  # one column when two are wider than the panel
                new = ax.legend(handles, labels, title=title, loc="upper center", bbox_to_anchor=(0.5, below - 0.02),
                                ncol=ncol, frameon=False)
                fig.canvas.draw()
                if new.get_window_extent().width <= 1.05 * ax.get_window_extent().width:
                    break
    for leg in fig.legends:  # a figure-level legend (seaborn's FacetGrid) goes to the right of all panels
        leg.set_bbox_to_anchor((1.0, 0.5), transform=fig.transFigure)
        leg.set_loc("center left")


def show(fig, caption: str, units: str, source: str = KOLADA_SOURCE, alt: str | None = None) -> None:
    """Stamp the source on the figure and display it as <figure> with alt text and a numbered
    <figcaption> (units, source, a link to the data drawn)."""
    from IPython.display import HTML, display

    _state["figure"] += 1
    n = _state["figure"]
    data = figure_data(fig)
    if fig.get_figwidth() * CSS_DPI > COLUMN_PX:  # narrower rather than shrunk: text keeps its size
        fig.set_figwidth(COLUMN_PX / CSS_DPI)
    _integer_years(fig)
    _readable_text(fig)
    _legends_off_data(fig)
    _no_overlapping_labels(fig)
    fig.text(0.01, -0.02, source, fontsize=max(MIN_PT / _display_scale(fig), 9), color="#444444", ha="left",
             va="top", wrap=True)
    for _ in range(2):  # a legend moved beside the axes widens the image: check the text size again
        with warnings.catch_warnings():  # a layout that cannot be tightened further is still fine
            warnings.simplefilter("ignore", UserWarning)
            fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight", dpi=RENDER_DPI)  # explicit PNG, whatever the backend
        png = buf.getvalue()
        width = int.from_bytes(png[16:20], "big") * CSS_DPI // RENDER_DPI  # PNG header: pixel width
        if width <= COLUMN_PX * 1.02 or width <= fig.get_figwidth() * CSS_DPI * 1.05:
            break
        _readable_text(fig, min(1.0, COLUMN_PX / width))
    alt = alt or alt_text(fig, caption)
    plt.close(fig)
    href = _save_csv(data, f"figure-{n}")
    b64 = base64.b64encode(png).decode("ascii")
    display(HTML(
        f'<figure class="book-figure" id="figure-{n}">'
        f'<img src="data:image/png;base64,{b64}" alt="{html.escape(alt)}" width="{width}" '
        f'style="max-width:100%;height:auto">'
        f"<figcaption><b>Figure {n}.</b> {_inline_markdown(caption)} <i>Units:</i> {_inline_markdown(units)}. "
        f"<i>{html.escape(source)}</i>{_download_link(href, 'figure')}</figcaption></figure>"))
