"""Geometry for the report's SVG charts; templates draw it beside a table of the same figures.

Pure functions, like partnerships.charts: numbers in, coordinates out, no JavaScript, and
the same markup goes into the PDF.
"""

import itertools
import math

SCALE_MIN, SCALE_MAX = 1, 5
MAX_QUARTER_LABELS = 8


def _scale(value, low, high, start, end):
    return round(start + (float(value) - low) / (high - low) * (end - start), 1)


def principle_bars(rows, *, width=640, row_height=34, label_width=250):
    """Average score per principle as a bar on the 1–5 scale, with a line from the lowest
    to the highest partnership score (the spread).

    `rows` is a list of (label, average, lowest, highest, rag); None values draw nothing.
    """
    left, right = label_width, width - 40
    x = lambda value: _scale(value, SCALE_MIN, SCALE_MAX, left, right)  # noqa: E731
    bars = []
    for i, (label, average, lowest, highest, rag) in enumerate(rows):
        y = i * row_height + 20
        bar = None
        if average is not None:
            bar = {"width": round(x(average) - left, 1), "end": x(average), "rag": rag}
        spread = None
        if lowest is not None and highest is not None:
            spread = {"x1": x(lowest), "x2": x(highest), "y": y + 9}
        # The figure sits under the end of its bar, clear of the spread line through the bar
        # and of the axis's edge however far the spread reaches.
        note_x = bar["end"] if bar else left
        bars.append(
            {
                "label": label,
                "y": y,
                "average": average,
                "bar": bar,
                "spread": spread,
                "note_x": note_x,
            }
        )
    height = len(rows) * row_height + 50
    ticks = [{"x": x(t), "label": str(t)} for t in range(SCALE_MIN, SCALE_MAX + 1)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "label_width": label_width,
        "bars": bars,
        "ticks": ticks,
        "axis_y": height - 25,
    }


def histogram(bands, *, width=640, height=260, bottom=50, top=25, left=40):
    """Vertical bars: how many partnerships have an index in each band of ten points.

    `bands` is a list of (label, count).
    """
    plot_height = height - bottom - top
    most = max((count for _, count in bands), default=0) or 1
    slot = (width - left - 10) / max(len(bands), 1)
    bars = []
    for i, (label, count) in enumerate(bands):
        bar_height = round(count / most * plot_height, 1)
        x = round(left + i * slot + slot * 0.15, 1)
        bars.append(
            {
                "label": label,
                "count": count,
                "x": x,
                "width": round(slot * 0.7, 1),
                "centre": round(x + slot * 0.35, 1),
                "y": round(top + plot_height - bar_height, 1),
                "height": bar_height,
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "axis_y": top + plot_height,
        "left": left,
    }


def quarter_lines(labels, series, *, width=640, height=300, left=40, right=60, top=20):
    """A line per principle across quarters, on the 1–5 scale.

    `labels` are the quarters; `series` is a list of (number, values) with a value or None
    per quarter. A quarter without a value breaks the line; each line ends with its
    principle's number, so it can be told apart without colour.
    """
    bottom = 40
    plot_bottom = height - bottom
    step = (width - left - right) / max(len(labels) - 1, 1)
    # One quarter alone is a point in the middle.
    start = left if len(labels) > 1 else left + (width - left - right) / 2
    x = lambda i: round(start + i * step, 1)  # noqa: E731
    y = lambda v: _scale(v, SCALE_MIN, SCALE_MAX, plot_bottom, top)  # noqa: E731
    lines = []
    for number, values in series:
        segments, current = [], []
        for i, value in enumerate(values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((x(i), y(value)))
        if current:
            segments.append(current)
        dots = [point for segment in segments for point in segment]
        lines.append(
            {
                "number": number,
                "segments": [" ".join(f"{px},{py}" for px, py in s) for s in segments],
                "dots": dots,
                "end": list(dots[-1]) if dots else None,
            }
        )
    # Lines that end close together would print their numbers over each other: space them.
    ends = sorted((line["end"] for line in lines if line["end"]), key=lambda end: end[1])
    for above, below in itertools.pairwise(ends):
        if above[0] == below[0] and below[1] - above[1] < 13:
            below[1] = above[1] + 13
    # Every quarter has its tick; at most about eight have their label, so they never meet.
    every = math.ceil(len(labels) / MAX_QUARTER_LABELS) or 1
    return {
        "width": width,
        "height": height,
        "lines": lines,
        "ticks": [
            {"x": x(i), "label": label if i % every == 0 else ""} for i, label in enumerate(labels)
        ],
        "levels": [{"y": y(v), "label": str(v)} for v in range(SCALE_MIN, SCALE_MAX + 1)],
        "left": left,
        "right": width - right,
        "axis_y": plot_bottom,
    }
