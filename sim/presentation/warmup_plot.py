"""The Welch plot: replication-averaged weekly series, smoothed, with the MSER-5 suggestion."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt

from sim.analysis.warmup import SERIES, WarmupAnalysis
from sim.experiment.store import write_atomic
from sim.presentation import style  # noqa: F401  (selects the file-only backend for all figures)

_LABELS = {"wait_mean_days": "mean wait of treatments started (days)",
           "waiting": "patients waiting (end of week)"}


def welch_plot(analysis: WarmupAnalysis, path: Path, title: str) -> None:
    """One panel per series; dashed line at the MSER-5 truncation point."""
    fig, axes = plt.subplots(len(SERIES), 1, figsize=(8, 3 * len(SERIES)), sharex=True)
    for ax, name in zip(axes, SERIES, strict=True):
        part = analysis.series[analysis.series.series == name]
        ax.plot(part.week, part["mean"], color="0.75", lw=0.8, label="mean of replications")
        ax.plot(part.week, part.welch, color="C0", lw=1.6,
                label=f"Welch moving average (w={analysis.window})")
        cut = analysis.suggested_weeks[name]
        ax.axvline(cut, color="C3", ls="--", label=f"MSER-5: {cut} weeks")
        ax.set_ylabel(_LABELS.get(name, name))
        ax.legend(loc="best", fontsize=8)
    axes[-1].set_xlabel("week since start of simulation")
    fig.suptitle(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
