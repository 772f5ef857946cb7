"""Matplotlib for every chart: the Agg backend, a font that draws Chinese, and atomic PNG writing.

Queue names, shift names, vendor names and labels are often Chinese. Matplotlib's default font
(DejaVu Sans) has no CJK glyph and draws empty boxes with a "Glyph … missing from font" warning,
so this module, imported by every chart, sets the sans-serif list once: a CJK family the system
has (fonts-noto-cjk, fonts-wqy-zenhei, Windows/macOS fonts), else the Noto Sans SC that the
``pylopdf-fonts-zh-cn`` dependency ships (SIL OFL) registered with matplotlib; DejaVu Sans stays
behind it for the few symbols a CJK font lacks.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # reports are files: never open a window
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from plan.contracts.tables import atomic_path  # noqa: E402

# Simplified-Chinese families first (the product's users), then any CJK face.
SYSTEM_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC",
                       "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei",
                       "Heiti SC", "Noto Sans CJK JP", "Droid Sans Fallback")


def _packaged_cjk_font() -> str | None:
    """Register the bundled Noto Sans SC with matplotlib and return its family name."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return None
    path = sans_path()
    if not path.is_file():
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def cjk_font() -> str | None:
    """The CJK family every chart uses: the system's when it has one, else the packaged one."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    for family in SYSTEM_CJK_FAMILIES:
        if family in installed:
            return family
    return _packaged_cjk_font()


def _bold_stands_in(family: str) -> None:
    """A family with no bold face (the packaged Noto Sans SC is Regular only) would log "Failed to
    find font weight bold" for every bold title: its regular face is registered as its bold too."""
    faces = [f for f in font_manager.fontManager.ttflist if f.name == family]
    weights = [f.weight if isinstance(f.weight, int) else font_manager.weight_dict.get(f.weight, 400) for f in faces]
    if faces and max(weights) < 600:
        regular = faces[0]
        font_manager.fontManager.ttflist.append(font_manager.FontEntry(
            fname=regular.fname, name=family, style=regular.style, variant=regular.variant, weight=700,
            stretch=regular.stretch, size=regular.size))


def configure_fonts() -> str | None:
    """Put the CJK family first in matplotlib's sans-serif list (once per process)."""
    family = cjk_font()
    if family:
        _bold_stands_in(family)
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
        # CJK fonts lack U+2212 MINUS SIGN in some versions: ticks use the ASCII hyphen-minus.
        matplotlib.rcParams["axes.unicode_minus"] = False
    return family


CJK_FONT = configure_fonts()


def save_png(figure, target: str | Path, *, dpi: int = 110) -> Path:
    """Save ``figure`` to ``target`` (a half-written PNG never replaces a good one) and close it."""
    target = Path(target)
    try:
        with atomic_path(target) as tmp:
            figure.savefig(tmp, dpi=dpi, format="png")
    finally:
        plt.close(figure)
    return target
