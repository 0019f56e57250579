"""One figure style for every plot: colour-blind-safe colours, journal sizes, units, a source note.

A reader who learns in figure (a) that orange is `ics_delegation` must find it orange in every
other figure, so colours are assigned from the scenario *name*, not from its position in a plot.
A KPI's axis label and scale come from the KPI catalogue, so a table and a figure name a KPI
the same way. Importing this module selects matplotlib's file-only backend, once for all figures.
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no display is needed or wanted

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.experiment.store import write_atomic  # noqa: E402
from sim.model.kpi_catalogue import KPIS  # noqa: E402

# Okabe & Ito (2008), "Color universal design": distinguishable with all common colour deficits.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
# The shipped scenarios keep the same colour whatever else is compared with them.
FIXED = {"centralised": "#0072B2", "ics_delegation": "#E69F00", "collaborative": "#009E73",
         "selective_delegation": "#CC79A7", "england": "#000000"}
NEUTRAL = "#7F7F7F"
P = ParamSpec("P")
R = TypeVar("R")

SINGLE_COLUMN_IN = 3.5  # width of one journal column, inches
DOUBLE_COLUMN_IN = 7.2  # full page width
DPI = 200

RC = {
    "font.size": 7.5, "axes.titlesize": 8, "axes.labelsize": 7.5, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "legend.fontsize": 7, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#E5E5E5",
    "grid.linewidth": 0.5, "axes.axisbelow": True, "savefig.dpi": DPI,
    "svg.fonttype": "none", "figure.dpi": 100, "font.family": "DejaVu Sans",
}

def label(kpi: str) -> str:
    """The axis label of a KPI, with the unit it is shown in; unknown KPIs keep their name."""
    row = KPIS.get(kpi)
    return row.axis_label if row else kpi


def scale(kpi: str) -> float:
    """Factor from stored value to plotted value (GBP -> £m where the label says £m)."""
    row = KPIS.get(kpi)
    return row.scale if row else 1.0


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per scenario: fixed for shipped names, then free palette colours in order."""
    colours: dict[str, str] = {}
    taken = {FIXED[n] for n in names if n in FIXED}
    free = [c for c in OKABE_ITO if c not in taken]
    for name in names:
        if name in FIXED:
            colours[name] = FIXED[name]
        else:
            colours[name] = free.pop(0) if free else NEUTRAL
    return colours


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Run a figure-drawing function under the house rcParams (text is styled when created)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper


def source_note(fig: Figure, note: str) -> None:
    """Small grey lines at the bottom left: where the numbers come from, wrapped to the
    figure's width (a long note would otherwise widen the saved figure past its column)."""
    width = max(40, int(fig.get_figwidth() * 26))  # characters of 5.5 pt text per inch
    fig.text(0.005, 0.003, textwrap.fill(note, width), fontsize=5.5, color="#555555",
             ha="left", va="bottom")


def save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    """Write `stem.png` (200 dpi) and `stem.svg` atomically; close the figure."""
    paths = []
    for ext in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=DPI, bbox_inches="tight", pad_inches=0.03)
        path = folder / f"{stem}.{ext}"
        write_atomic(path, buffer.getvalue())
        paths.append(path)
    plt.close(fig)
    return paths
