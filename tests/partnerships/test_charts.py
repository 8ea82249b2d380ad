from partnerships import charts


def test_radar_puts_1_at_the_centre_and_5_at_the_edge():
    chart = charts.radar(["A", "B", "C", "D"], [("s", "c", [1, 5, None, 3])], size=200, margin=50)
    dots = chart["series"][0].dots
    assert dots[0] == (100.0, 100.0)  # 1: the centre
    assert dots[1] == (150.0, 100.0)  # 5 on the second axis (pointing right): the full radius
    assert dots[2] == (100.0, 100.0)  # no score: drawn at the centre, the table says why
    assert dots[3] == (75.0, 100.0)  # 3: half way along the fourth axis (pointing left)


def test_radar_splits_long_labels_in_two():
    chart = charts.radar(["7. Accountability and governance", "2. Transparency"], [])
    assert chart["axes"][0]["lines"] == ["7. Accountability", "and governance"]
    assert chart["axes"][1]["lines"] == ["2. Transparency"]


def test_gap_bars_point_right_when_the_nhs_side_rates_higher():
    chart = charts.gap_bars([("A", 1.5, "significant"), ("B", -0.5, "watch"), ("C", None, None)])
    zero = chart["zero"]
    right, left, missing = chart["bars"]
    assert right["bar"]["x"] == zero and right["bar"]["width"] > 0
    assert left["bar"]["x"] < zero
    assert left["bar"]["x"] + left["bar"]["width"] == zero
    assert missing["bar"] is None


def test_gap_bars_clip_at_the_limit():
    chart = charts.gap_bars([("A", 9.0, "significant"), ("B", 4.0, "significant")])
    assert chart["bars"][0]["bar"] == chart["bars"][1]["bar"]


def test_gap_rows_put_zero_in_the_middle_and_point_right_when_the_nhs_side_rates_higher():
    chart = charts.gap_rows(
        [("A", 1.0, "significant"), ("B", -2.0, "significant"), ("C", None, None)]
    )
    right, left, missing = chart["bars"]
    assert right["bar"] == {"x": 50, "width": 11.0}  # (50 − 6) / 4 = 11% a point
    assert left["bar"] == {"x": 28.0, "width": 22.0}
    assert missing["bar"] is None
    assert chart["significant"] == [39.0, 61.0]
    assert [t["label"] for t in chart["ticks"]][:2] == ["−4", "−3"]
    # Each row's text sits above its bar, and the axis labels below the last row, inside.
    assert right["text_y"] < right["bar_y"] < left["text_y"]
    assert chart["axis_bottom"] < chart["tick_y"] < chart["height"]


def test_radar_numbers_its_rings_and_keys_its_axes():
    chart = charts.radar(["1", "2", "3"], [], names=["Sustainability", "Transparency", "Vision"])
    assert [mark["value"] for mark in chart["scale"]] == [1, 2, 3, 4, 5]
    assert chart["scale"][0]["y"] == chart["centre"]
    assert chart["key"][1] == ("2", "Transparency")
