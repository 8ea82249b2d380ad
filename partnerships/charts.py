"""Geometry for the server-rendered SVG charts; templates draw it beside a data table.

Pure functions: numbers in, coordinates out. No JavaScript, so the charts work everywhere
and go into PDFs unchanged.
"""

import math
from dataclasses import dataclass

SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    points: str  # SVG polygon points
    dots: tuple[tuple[float, float], ...]


def _point(centre, radius, angle, value):
    share = (float(value) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
    return (
        round(centre + radius * share * math.sin(angle), 1),
        round(centre - radius * share * math.cos(angle), 1),
    )


def _two_lines(label: str) -> list[str]:
    """Split a label at the word boundary nearest its middle, so long names fit beside the chart."""
    words = label.split()
    if len(label) <= 20 or len(words) < 2:
        return [label]
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(label) / 2))
    return [" ".join(words[:best]), " ".join(words[best:])]


def radar(labels, series, *, names=None, size=320, margin=36, padding=0):
    """A radar of principles on the 1–5 scale, its rings numbered (the scale).

    `labels` name the axes; keep them short (the principles' numbers), so that drawn at the
    size of body text they fit on a phone, and give `names` (one a label) for the key beside
    the chart. `series` is a list of (name, css_class, values) with one value (or None) per
    label. A missing value is drawn at the centre: the table beside the chart says "no score".
    """
    centre = size / 2
    radius = centre - margin
    angles = [2 * math.pi * i / len(labels) for i in range(len(labels))]
    rings = [
        " ".join("{},{}".format(*_point(centre, radius, a, level)) for a in angles)
        for level in range(SCALE_MIN + 1, SCALE_MAX + 1)
    ]
    # The scale, straight down from the centre, where no axis runs: each ring is crossed
    # there at its apothem (the rings are polygons), and 1 is the centre.
    apothem = math.cos(math.pi / len(labels)) if len(labels) > 2 else 1
    scale = [
        {
            "value": level,
            "x": round(centre + 4, 1),
            "y": round(
                centre
                + radius * apothem * (level - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
                - (0 if level == SCALE_MIN else 4),
                1,
            ),
        }
        for level in range(SCALE_MIN, SCALE_MAX + 1)
    ]
    axes = []
    for label, angle in zip(labels, angles, strict=True):
        x, y = _point(centre, radius, angle, SCALE_MAX)
        lx, ly = _point(centre, radius + 18, angle, SCALE_MAX)
        anchor = "middle" if abs(math.sin(angle)) < 0.2 else ("start" if lx > centre else "end")
        lines = _two_lines(label)
        axes.append(
            {
                "x": x,
                "y": y,
                "label_x": lx,
                # Centre a two-line label on its point.
                "label_y": round(ly - 8 * (len(lines) - 1), 1),
                "anchor": anchor,
                "lines": lines,
            }
        )
    drawn = []
    for name, css_class, values in series:
        dots = tuple(
            _point(centre, radius, a, SCALE_MIN if v is None else v)
            for a, v in zip(angles, values, strict=True)
        )
        drawn.append(Series(name, css_class, " ".join(f"{x},{y}" for x, y in dots), dots))
    return {
        "view_box": f"{-padding} 0 {size + 2 * padding} {size}",
        "centre": centre,
        "rings": rings,
        "scale": scale,
        "axes": axes,
        "key": list(zip(labels, names, strict=True)) if names else [],
        "series": drawn,
    }


def gap_rows(rows, *, limit=4.0, edge=6.0, row_em=3.0):
    """The perception gap chart of the results page, laid out in percentages of its width
    and ems of its text, so it takes any width and its text stays the size of body text.

    `rows` is a list of (label, gap or None, flag). Each principle's label is a line of text
    above its bar, its figure beside the bar on the other side of zero, where there is room.
    Bars to the right of the middle: the NHS side rates higher; to the left: the VCSE side
    does. Gaps beyond `limit` are drawn at it.
    """
    per_point = (50 - edge) / limit
    bars = []
    for i, (label, gap, flag) in enumerate(rows):
        top = i * row_em
        bar = None
        if gap is not None:
            length = max(-limit, min(limit, float(gap))) * per_point
            bar = {"x": round(min(50, 50 + length), 2), "width": round(abs(length), 2)}
        bars.append(
            {
                "label": label,
                "gap": gap,
                "flag": flag,
                "bar": bar,
                "text_y": round(top + 1.1, 2),
                "bar_y": round(top + 1.5, 2),
                "figure_y": round(top + 2.35, 2),
            }
        )
    axis_bottom = len(rows) * row_em + 0.2
    return {
        "bars": bars,
        "ticks": [
            {"x": round(50 + t * per_point, 2), "label": f"{t:+g}".replace("-", "−") if t else "0"}
            for t in range(-int(limit), int(limit) + 1)
        ],
        "axis_top": 1.4,
        "axis_bottom": round(axis_bottom, 2),
        "tick_y": round(axis_bottom + 1.2, 2),
        "height": round(axis_bottom + 1.6, 2),
        "watch": [round(50 - 0.5 * per_point, 2), round(50 + 0.5 * per_point, 2)],
        "significant": [round(50 - per_point, 2), round(50 + per_point, 2)],
    }


def gap_bars(rows, *, width=640, row_height=34, label_width=250, limit=4.0):
    """Horizontal bars of the perception gap (NHS-side minus VCSE-side mean), zero in the middle.

    `rows` is a list of (label, gap or None, flag). Bars to the right: the NHS side rates
    higher; to the left: the VCSE side does.
    """
    plot = width - label_width - 20
    zero = label_width + plot / 2
    per_point = plot / 2 / limit
    bars = []
    for i, (label, gap, flag) in enumerate(rows):
        y = i * row_height + 30
        bar = None
        if gap is not None:
            length = max(-limit, min(limit, float(gap))) * per_point
            bar = {"x": round(min(zero, zero + length), 1), "width": round(abs(length), 1)}
        bars.append({"label": label, "y": y, "gap": gap, "flag": flag, "bar": bar})
    ticks = [
        {"x": round(zero + t * per_point, 1), "label": f"{t:+g}" if t else "0"}
        for t in range(-int(limit), int(limit) + 1)
    ]
    height = len(rows) * row_height + 60
    return {
        "width": width,
        "height": height,
        "zero": zero,
        "bars": bars,
        "ticks": ticks,
        "label_width": label_width,
        "axis_y": height - 25,
        "watch": [round(zero - 0.5 * per_point, 1), round(zero + 0.5 * per_point, 1)],
        "significant": [round(zero - per_point, 1), round(zero + per_point, 1)],
    }
