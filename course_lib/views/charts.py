"""Charts of scores: distributions per method and difficulty, one method against another, the worst images,
reliability diagrams.

Each function draws with matplotlib and returns the figure (or the axes it was
given). The rows are :func:`course_lib.evaluate.evaluate_methods`'s; the
reliability bins are :func:`course_lib.calibration.reliability`'s.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping

import numpy as np

from course_lib import calibration, evaluate, viz

__all__ = ["SCORE_LABELS", "plot_score_distribution", "plot_method_scatter", "worst_gallery", "plot_reliability"]

SCORE_LABELS = {"iou": "IoU", "dice": "Dice", "precision": "precision", "recall": "recall",
                "boundary_f": "boundary F (2 px)", "mae": "MAE of the alpha"}


def _method_colours(methods) -> dict[str, tuple]:
    import matplotlib

    cycle = matplotlib.colormaps["tab10"]
    return {m: cycle(i % 10) for i, m in enumerate(methods)}


def plot_score_distribution(rows: list[dict], score: str = "iou", *, kind: str = "box", ax=None):
    """Draw ``score`` per method (colours) per difficulty (groups) as box or violin plots; return the figure.

    NaN scores (failed images) are left out, and the legend says how many each method lost.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if kind not in ("box", "violin"):
        raise ValueError(f"kind must be 'box' or 'violin', got {kind!r}")
    if not rows:
        raise ValueError("rows is empty: run evaluate.evaluate_methods or evaluate.evaluate_folder first")
    methods = list(dict.fromkeys(r["method"] for r in rows))
    difficulties = [d for d in evaluate.DIFFICULTY_ORDER[:-1] if any(r["difficulty"] == d for r in rows)]
    difficulties += sorted({r["difficulty"] for r in rows} - set(difficulties))
    colours = _method_colours(methods)
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(difficulties) * len(methods) * 0.6 + 2), 3.8))
    fig = ax.figure
    width = 0.8 / len(methods)
    failed = {m: 0 for m in methods}
    for g, difficulty in enumerate(difficulties):
        for k, method in enumerate(methods):
            values = np.array([r[score] for r in rows if r["method"] == method and r["difficulty"] == difficulty],
                              float)
            failed[method] += int(np.isnan(values).sum())
            values = values[~np.isnan(values)]
            if not len(values):
                continue
            x = g - 0.4 + width * (k + 0.5)
            if kind == "box":
                parts = ax.boxplot([values], positions=[x], widths=width * 0.85, patch_artist=True,
                                   showfliers=True, flierprops={"markersize": 3})
                for box in parts["boxes"]:
                    box.set(facecolor=colours[method], alpha=0.75)
                for median in parts["medians"]:
                    median.set(color="black")
            else:
                parts = ax.violinplot([values], positions=[x], widths=width * 0.9, showmedians=True)
                for body in parts["bodies"]:
                    body.set(facecolor=colours[method], alpha=0.7)
    ax.set_xticks(range(len(difficulties)), difficulties)
    ax.set_xlim(-0.6, len(difficulties) - 0.4)
    ax.set_xlabel("difficulty")
    ax.set_ylabel(SCORE_LABELS.get(score, score))
    ax.set_title(f"{SCORE_LABELS.get(score, score)} per image, by method and difficulty")
    labels = [m + (f" ({failed[m]} failed)" if failed[m] else "") for m in methods]
    ax.legend([Patch(color=colours[m]) for m in methods], labels, fontsize=8, loc="best")
    ax.grid(axis="y", alpha=0.3)
    return fig


def plot_method_scatter(rows: list[dict], method_x: str, method_y: str, score: str = "iou", *, ax=None):
    """Draw one point per image, ``method_x``'s score against ``method_y``'s, coloured by difficulty; return the figure.

    Points above the diagonal are images where ``method_y`` did better. Images
    that either method failed on (NaN) are left out and counted in the title.
    """
    import matplotlib.pyplot as plt

    known = {r["method"] for r in rows}
    for method in (method_x, method_y):
        if method not in known:
            raise ValueError(f"no rows for method {method!r}; the rows have {sorted(known)}")
    pairs = evaluate.paired_scores(rows, method_x, method_y, score)
    good = [p for p in pairs if not (np.isnan(p[1]) or np.isnan(p[2]))]
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 4.4))
    fig = ax.figure
    difficulties = [d for d in evaluate.DIFFICULTY_ORDER[:-1] if any(p[0] == d for p in good)]
    difficulties += sorted({p[0] for p in good} - set(difficulties))
    colours = {d: c for d, c in zip(difficulties, ("#1a9850", "#fdae61", "#d73027", "#4575b4", "#7b3294"))}
    for d in difficulties:
        xy = np.array([(p[1], p[2]) for p in good if p[0] == d])
        ax.scatter(xy[:, 0], xy[:, 1], s=14, alpha=0.75, color=colours.get(d, "grey"), label=d)
    lo = min([0.0] + [min(p[1], p[2]) for p in good])
    hi = max([1.0] + [max(p[1], p[2]) for p in good])
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--", label="equal")
    wins = sum(p[2] > p[1] for p in good)
    label = SCORE_LABELS.get(score, score)
    dropped = len(pairs) - len(good)
    ax.set_title(f"{label} per image: {method_y} better on {wins} of {len(good)}"
                 + (f"\n({dropped} failed images left out)" if dropped else ""), fontsize=10)
    ax.set_xlabel(f"{method_x} {label}")
    ax.set_ylabel(f"{method_y} {label}")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def worst_gallery(rows: list[dict], split, methods: Mapping[str, Callable[[np.ndarray], np.ndarray]], *,
                  n: int = 4, score: str = "iou", panel_size: float = 2.2):
    """Draw, for each method (a row), its ``n`` worst images as error maps with the score; return the figure.

    ``split`` is what the rows were computed on (``split.rgb[row["index"]]``,
    e.g. from :func:`course_lib.evaluate.load_folder_split`); each method is run again on its worst
    images only. Rows without a picture (a file that failed to load) are shown
    as their error message. Red: background kept (FP); blue: product missed (FN).
    """
    import matplotlib.pyplot as plt

    if not methods:
        raise ValueError("methods is empty: give at least one name → function")
    fig, axes = plt.subplots(len(methods), n, figsize=(panel_size * n, panel_size * len(methods) + 0.4),
                             squeeze=False)
    for i, (name, method) in enumerate(methods.items()):
        picks = evaluate.worst(rows, name, n, score)
        for j in range(n):
            ax = axes[i, j]
            ax.set_xticks([]), ax.set_yticks([])
            if j >= len(picks):
                ax.axis("off")
                continue
            row = picks[j]
            if row["index"] >= len(split):
                message = textwrap.fill(f"{row.get('name', row['index'])}: {row['error']}", 28)
                ax.text(0.5, 0.5, "\n".join(message.splitlines()[:6]), ha="center", va="center", fontsize=6,
                        transform=ax.transAxes)
                ax.set_title("could not be scored", fontsize=8)
                continue
            rgb, truth = split.rgb[row["index"]], split.alpha[row["index"]]
            try:
                picture = viz.error_map(np.asarray(method(rgb)) >= 0.5, np.asarray(truth) >= 0.5)
            except Exception as exc:  # the row already says it failed; show why instead of stopping the figure
                message = textwrap.fill(f"{type(exc).__name__}: {exc}", 28)
                ax.text(0.5, 0.5, "\n".join(message.splitlines()[:6]), ha="center", va="center", fontsize=6,
                        transform=ax.transAxes)
                continue
            ax.imshow(picture)
            label = row.get("name", f"#{row['index']}")
            ax.set_title(f"{label} ({row['difficulty']})\n{SCORE_LABELS.get(score, score)} {row[score]:.3f}",
                         fontsize=8)
        axes[i, 0].set_ylabel(name)
    viz.error_legend(axes[0, -1])
    fig.suptitle(f"each method's {n} worst images (red: background kept, blue: product missed)")
    fig.tight_layout()
    return fig


def plot_reliability(rel: calibration.Reliability, ax=None, *, label: str = "model", colour: str = "tab:blue",
                     title: str | None = None):
    """Draw a reliability diagram (accuracy against confidence per bin, and the diagonal) on ``ax``; return ``ax``."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.2))
    filled = rel.counts > 0
    ax.plot([rel.edges[0], 1], [rel.edges[0], 1], "k--", lw=1, label="calibrated (accuracy = confidence)")
    ax.plot(rel.confidence[filled], rel.accuracy[filled], "o-", color=colour, label=f"{label}: ECE {rel.ece:.4f}")
    ax.set_xlabel("confidence (top-class probability)")
    ax.set_ylabel("accuracy in the bin")
    ax.set_xlim(rel.edges[0], 1.0)
    ax.set_title(title or "Reliability diagram")
    ax.legend(fontsize=8, loc="upper left")
    return ax
