#!/usr/bin/env python3
"""Draw the patient pathway of specsim (MODEL_SPEC section 3) as docs/figures/pathway.png.

Why a script: the diagram in docs/model.md must match the code; regenerating it from a script
keeps it reviewable in diffs and reproducible (python scripts/draw_pathway.py).
Colours mark who pays for each stage: the ICS (local care) or the specialised commissioner.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

LOCAL, SPECIAL, NATIONAL, EXIT, RULE = "#d9ead3", "#cfe2f3", "#f4cccc", "#eeeeee", "#fff2cc"
W, H = 3.6, 0.78


def box(ax, x: float, y: float, text: str, colour: str, w: float = W, h: float = H) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                fc=colour, ec="#444444", lw=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, wrap=True)


def arrow(ax, x0: float, y0: float, x1: float, y1: float, label: str = "",
          side: str = "right") -> None:
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.1})
    if label:
        dx = 0.08 if side == "right" else -0.08
        ax.text((x0 + x1) / 2 + dx, (y0 + y1) / 2 + 0.06, label, fontsize=7.5,
                ha="left" if side == "right" else "right", va="bottom", color="#333333",
                style="italic")


def draw(path: Path) -> None:
    fig, ax = plt.subplots(figsize=(10, 11.5))
    ax.set_xlim(0, 12)
    ax.set_ylim(-0.5, 12.2)
    ax.axis("off")
    cx, rx = 3.2, 8.6
    ys = [11.6, 10.3, 9.0, 7.7, 6.4, 5.1, 3.8, 2.5, 1.2, 0.0]
    main = [
        ("1. Referral\nPoisson per (ICS, service): population x incidence,\ngrowing "
         "annually, optional seasonality; urgent or routine", LOCAL),
        ("2. Local assessment (ICS pays)\nassessment_days", LOCAL),
        ("3. Access decision by the specialised payer\nurgent always accepted; routine "
         "with access_rate", SPECIAL),
        ("4. Routing: lowest w_distance x km + w_wait x expected wait\n+ out_of_area_weight "
         "x [unit outside footprint]", SPECIAL),
        ("5. Hand-over (payer differs from ICS: +1 crossing, delay)\n+ out-of-area approval "
         "+ late-contract delay", SPECIAL),
        ("6. Wait and treatment at the unit\nlist ordered by priority, then referral time; "
         "slots", SPECIAL),
        ("7. Outcome: adverse with p(v), v = unit volume\nover the last 365 days; adverse "
         "adds extra_days, extra cost", SPECIAL),
        ("8. Step-down / follow-up (ICS pays)\nhand-back delay if the last payer differs; "
         "no capacity limit", LOCAL),
        ("9. Discharge: record closed", EXIT),
    ]
    for (text, colour), y in zip(main, ys, strict=False):
        box(ax, cx, y, text, colour, w=5.4)
    for k in range(len(main) - 1):
        arrow(ax, cx, ys[k] - H / 2 - 0.04, cx, ys[k + 1] + H / 2 + 0.04)
    # side exits and escalation
    box(ax, rx, ys[1], "Managed locally\n(local_management_share): leaves", EXIT)
    arrow(ax, cx + 2.75, ys[1], rx - W / 2 - 0.05, ys[1])
    box(ax, rx, ys[2], "Not accepted: unmet need\n(counted, leaves)", EXIT)
    arrow(ax, cx + 2.75, ys[2], rx - W / 2 - 0.05, ys[2])
    esc_y = ys[6] - 0.55
    box(ax, rx, esc_y, "Escalation (adverse x escalation_share,\nnot already at a "
        "centre): hand-over if\npayer is not NHSE, wait and treatment\nat the nearest "
        "national centre (urgent)", NATIONAL, h=1.25)
    arrow(ax, cx + 2.75, ys[6], rx - W / 2 - 0.05, esc_y + 0.3)
    ax.text(6.05, ys[6] + 0.12, "adverse and escalated", fontsize=7.5, style="italic")
    arrow(ax, rx - W / 2 - 0.05, esc_y - 0.4, cx + 2.75, ys[7] + 0.1)
    ax.text(rx - W / 2, esc_y - 0.85, "after the centre: step-down with hand-back",
            fontsize=7.5, style="italic")
    box(ax, rx, ys[4] + 0.65, "Commissioner rules (periodic processes)\nquarterly budget "
        "review: 'deprioritise' cuts slots (6)\nand tightens access (3); annual contracts: "
        "late\nsigning delays new referrals (5)", RULE, w=4.1, h=1.25)
    for target in (2, 4, 5):
        ax.annotate("", xy=(cx + 2.75, ys[target] - 0.1 * (target == 2)),
                    xytext=(rx - 2.1, ys[4] + 0.65),
                    arrowprops={"arrowstyle": "-|>", "color": "#b38f00", "lw": 1.0,
                                "linestyle": "--"})
    # legend
    for k, (colour, label) in enumerate(((LOCAL, "ICS-commissioned (local care)"),
                                         (SPECIAL, "specialised payer (NHSE, region, ICS or "
                                                   "collaborative, per scenario)"),
                                         (NATIONAL, "NHSE national (designated centres)"),
                                         (RULE, "commissioner rules"))):
        y = 1.3 - 0.42 * k
        ax.add_patch(FancyBboxPatch((6.9, y - 0.14), 0.35, 0.28, boxstyle="round,pad=0.02",
                                    fc=colour, ec="#444444"))
        ax.text(7.4, y, label, fontsize=7.5, va="center")
    ax.set_title("specsim patient pathway (one patient, one service)", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parents[1] / "docs" / "figures" / "pathway.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    draw(out)
    print(out)
