"""Tests that try to break the withholding rule (docs/permissions.md, "Who sees whose answers").

For generated partnerships of 2 to 12 organisations on three sides, each in both modes, every
figure a partner who is not a platform admin can see is collected from every page and every
file: the results page, the partnership page, the dashboard, the report page, the
partnership report, both PDFs, the reviews and ratings files and the workbook. Each figure is
keyed by what it is (a principle's score, a side's mean, the gap, the index), at the
precision it is shown. The test fails when a figure the review withheld is shown anywhere,
when one can be worked out from the figures shown (the partnership score × the sides − the
shown sides, a side from the other side and the gap, a principle from the index and the
other principles), or when another organisation's own rows reach the partner.

Each generated partnership has an ICB of its own, so its commissioner's report covers that
partnership alone: every average, lowest and highest on it is that partnership's figure.
"""

import csv
import io
import random
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from organisations.models import Membership, Organisation
from partnerships import export_columns, results, scoring
from partnerships.models import Assessment, Participant, Partnership, Review
from tests.conftest import make_user, store_result, submit

SIDES = scoring.SIDES
KINDS = {
    scoring.NHS: Organisation.Kind.NHS_TRUST,
    scoring.LOCAL_GOVERNMENT: Organisation.Kind.LOCAL_AUTHORITY,
    scoring.VCSE: Organisation.Kind.CHARITY,
}
NUMBER = re.compile(r"[−+-]?\d+(?:\.\d+)?")
FIGURE_COLUMNS = ("score", scoring.NHS, scoring.LOCAL_GOVERNMENT, scoring.VCSE, "gap", "spread")


class Tables(HTMLParser):
    """Each table with a data-testid: its body rows, as the text of each cell."""

    def __init__(self, html):
        super().__init__()
        self.tables, self._table, self._row, self._cell = {}, None, None, None
        self._body = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid"):
            self._table = self.tables.setdefault(attrs["data-testid"], [])
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._table is not None and self._body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tbody":
            self._body = False
        elif tag == "tr" and self._row is not None:
            if self._row and self._table is not None:
                self._table.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _value(text: str) -> Decimal | None:
    found = NUMBER.search(text)
    return Decimal(found.group().replace("−", "-")) if found else None


class Seen:
    """Every figure a reader was shown, keyed by what it is, with where it was seen."""

    def __init__(self):
        self.figures: dict[tuple, list[tuple[Decimal, str]]] = {}

    def add(self, key, text, where):
        value = text if isinstance(text, Decimal) else _value(str(text))
        if value is not None:
            self.figures.setdefault(key, []).append((value, where))

    def finest(self, key) -> Decimal | None:
        """The most precise shown value of a figure (files give two places)."""
        values = self.figures.get(key)
        if not values:
            return None
        return max(values, key=lambda v: -v[0].as_tuple().exponent)[0]


def _principle_rows(seen, rows, where, *, columns=FIGURE_COLUMNS):
    for row in rows:
        number = int(row[0].split(".")[0])
        for name, cell in zip(columns, row[1:], strict=False):
            seen.add((name, number), cell, where)


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _pdf_text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def _decimals(text):
    return {Decimal(n.replace("−", "-")) for n in re.findall(r"[−+-]?\d+\.\d+", text)}


def _csv(client, kind):
    response = client.get(reverse("partnerships:report_csv", kwargs={"kind": kind}))
    assert response.status_code == 200, kind
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def collect(client, partnership, review, *, commissioner: bool) -> Seen:
    """Every figure of the review on every page and file the signed-in partner can open."""
    seen = Seen()
    codes = {"code": partnership.code, "review_code": review.code}
    page = _page(client, reverse("partnerships:review_results", kwargs=codes))
    tables = Tables(page).tables
    _principle_rows(seen, tables["scores"], "results page")
    # The same figures as a card per principle for narrow screens, and the gap chart's.
    stacked = page[page.index('data-testid="scores-stacked"') :]
    for card in stacked.split('class="govuk-summary-card"')[1:]:
        number = int(re.search(r"govuk-summary-card__title[^>]*>\s*(\d+)\.", card).group(1))
        for name, cell in re.findall(r'data-figure="(\w+)">([^<]*)<', card):
            if name != "health":
                seen.add(("score" if name == "score" else name, number), cell, "results cards")
    chart = page[page.index('id="gap-title"') : page.index("</svg>", page.index('id="gap-title"'))]
    for number, gap in enumerate(re.findall(r'data-gap="([^"]*)"', chart), start=1):
        seen.add(("gap", number), gap, "results gap chart")
    index = re.search(r'data-testid="index">([^<]*)<', page).group(1)
    seen.add(("index",), index, "results page")
    for row in tables.get("organisations", []):
        for cell in row[1:]:
            seen.add(("organisation",), cell, "results page")

    page = _page(client, reverse("partnerships:detail", kwargs={"code": partnership.code}))
    for row in Tables(page).tables.get("reviews", []):
        seen.add(("index",), row[3], "partnership page")
    latest = re.search(r'data-testid="latest-index">([^<]*)<', page)
    if latest:
        seen.add(("index",), latest.group(1), "partnership page, how it is doing")
    page = _page(client, reverse("dashboard"))
    for found in re.findall(r"Index (\S+)<span", page):
        seen.add(("index",), found, "dashboard")
    if not commissioner:
        return seen

    page = _page(client, reverse("partnerships:reports"))
    tables = Tables(page).tables
    for row in tables["principle-averages"]:
        number = int(row[0].split(".")[0])
        for cell in row[2:5]:  # average, lowest, highest: of this one partnership
            seen.add(("score", number), cell, "report page")
    for row in tables.get("heatmap", []):
        seen.add(("index",), row[1], "report heatmap")
        for number, cell in enumerate(row[2:], start=1):
            seen.add(("score", number), cell, "report heatmap")
    for row in tables.get("gaps", []):
        number = int(row[1].split(".")[0])
        for name, cell in zip((scoring.NHS, scoring.VCSE, "gap"), row[2:5], strict=True):
            seen.add((name, number), cell, "report gaps")
    for row in tables.get("trend", []):
        if row[0].startswith("Reviews"):
            continue
        if row[0].startswith("Index"):
            for cell in row[1:]:
                seen.add(("index",), cell, "report trend")
        else:
            number = int(row[0].split(".")[0])
            for cell in row[1:]:
                seen.add(("score", number), cell, "report trend")
    average = re.search(r'data-testid="average-index">([^<]*)<', page).group(1)
    seen.add(("index",), average, "report page")
    summary_pdf = _pdf_text(client, reverse("partnerships:report_pdf"))
    assert _decimals(summary_pdf) <= _decimals(page), "the summary PDF shows more"

    report_url = reverse("partnerships:partnership_report", kwargs={"code": partnership.code})
    report = _page(client, report_url)
    tables = Tables(report).tables
    _principle_rows(seen, tables["scores"], "partnership report")
    index = re.search(r'data-testid="index">([^<(]*)', report).group(1)  # not "(without 3)"
    seen.add(("index",), index, "partnership report")
    pdf = _pdf_text(
        client, reverse("partnerships:partnership_pdf", kwargs={"code": partnership.code})
    )
    assert _decimals(pdf) <= _decimals(report), "the partnership PDF shows more"
    assert ("Withheld" in pdf) == ("Withheld" in report)

    for row in _csv(client, "reviews"):
        _file_row(seen, row, "reviews file")
    response = client.get(reverse("partnerships:report_xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Reviews"]
    headings, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # The workbook shows people's headings; the CSV's names are what the checks read.
    columns = (*export_columns.REVIEWS, *export_columns.principle_columns(range(1, 8)))
    header = [{c.heading: c.name for c in columns}[heading] for heading in headings]
    for values in rows:
        _file_row(
            seen,
            {h: "" if v is None else str(v) for h, v in zip(header, values, strict=True)},
            "workbook",
        )
    return seen


def _file_row(seen, row, where):
    if row["state"] != "closed":
        return
    seen.add(("index",), row["index"], where)
    for key, value in row.items():
        found = re.fullmatch(r"principle_(\d+)_(score|nhs|local_government|vcse|gap|spread)", key)
        if found and value != "":
            seen.add((found.group(2), int(found.group(1))), value, where)


def withheld(truth: scoring.ReviewResult) -> dict[tuple, Decimal]:
    """The figures a confidential review withholds from its partners, with their values."""
    found = {}
    for p in truth.principles:
        values = {"score": p.score, "gap": p.gap, "spread": p.spread, **p.side_means}
        for name in p.withheld:
            if values[name] is not None:
                found[name, p.number] = values[name]
    if "score" in truth.withheld and truth.index is not None:
        found["index",] = truth.index
    return found


def derivations(seen: Seen, truth: scoring.ReviewResult):
    """(what, value) for each withheld figure that the shown figures would give."""
    for p in truth.principles:
        present = [side for side in SIDES if p.side_means[side] is not None]
        for side in present:
            others = [seen.finest((other, p.number)) for other in present if other != side]
            score = seen.finest(("score", p.number))
            if score is not None and None not in others:
                yield (side, p.number), len(present) * score - sum(others)
        gap, nhs, vcse = (seen.finest((name, p.number)) for name in ("gap", "nhs", "vcse"))
        if gap is not None and nhs is not None:
            yield ("vcse", p.number), nhs - gap
        if gap is not None and vcse is not None:
            yield ("nhs", p.number), vcse + gap
    index = seen.finest(("index",))
    scored = [p for p in truth.principles if p.score is not None]
    if index is not None:
        mean = index / 25 + 1
        for p in scored:
            others = [seen.finest(("score", o.number)) for o in scored if o is not p]
            if None not in others:
                yield ("score", p.number), len(scored) * mean - sum(others)


def _tolerance(key):
    # Derived from figures shown to two places (one on pages): a few hundredths off at most.
    return Decimal("0.16") if key == ("index",) else Decimal("0.08")


def _partnership(size: int, mode: str, seed: int):
    """A partnership of `size` organisations spread over three sides, its own ICB leading,
    with one closed review in `mode` whose ratings are drawn at random (a few partners do
    not submit, a few answer "Don't know" to a whole principle)."""
    from principles.models import Framework

    chance = random.Random(seed)
    framework = Framework.objects.get(name="ACEVO Working in Partnership", version="2014")
    statements = {p.number: p.statements.count() for p in framework.principles.all()}
    icb = Organisation.objects.create(name=f"ICB {seed}", kind=Organisation.Kind.ICB)
    partnership = Partnership.objects.create(
        name=f"Partnership {seed}", kind=Partnership.Kind.CONTRACT, icb=icb, framework=framework
    )
    Participant.objects.create(
        partnership=partnership, organisation=icb, role=Participant.Role.LEAD_COMMISSIONER
    )
    organisations = [icb]
    sides = [scoring.VCSE] + [chance.choice(SIDES) for _ in range(size - 2)]
    for number, side in enumerate(sides):
        organisation = Organisation.objects.create(name=f"Org {seed}-{number}", kind=KINDS[side])
        Participant.objects.create(
            partnership=partnership, organisation=organisation, role=Participant.Role.OTHER
        )
        organisations.append(organisation)
    review = Review.objects.create(
        partnership=partnership,
        framework=framework,
        opened_on="2026-01-05",
        due_on="2026-02-02",
        closed_on="2026-02-09",
        state=Review.State.CLOSED,
        overall_rag="amber",
        visibility=mode,
    )
    for organisation in organisations:
        assessment = Assessment.objects.create(review=review, organisation=organisation)
        # The ICB and the reader's charity always submit; the others usually do.
        if organisation not in organisations[:2] and chance.random() < 0.15:
            continue
        scores = {
            number: [None] * count
            if chance.random() < 0.12
            else [chance.choice([1, 2, 3, 4, 5, 5, 4, None]) for _ in range(count)]
            for number, count in statements.items()
        }
        submit(assessment, scores=scores)
    store_result(review)
    commissioner = make_user(f"lead{seed}@icb.example", icb, Membership.Role.EDITOR)
    editor = make_user(f"editor{seed}@charity.example", organisations[1], Membership.Role.EDITOR)
    viewer = make_user(f"viewer{seed}@charity.example", organisations[1], Membership.Role.VIEWER)
    return partnership, review, organisations, commissioner, editor, viewer


CASES = [
    (size, mode)
    for size in (2, 3, 4, 6, 8, 12)
    for mode in (Review.Visibility.CONFIDENTIAL, Review.Visibility.OPEN)
]


@pytest.mark.parametrize(("size", "mode"), CASES)
def test_no_withheld_figure_is_shown_or_derivable(client, framework, size, mode):
    seed = size * 10 + (mode == Review.Visibility.OPEN)
    partnership, review, organisations, commissioner, editor, _ = _partnership(size, mode, seed)
    truth = results.stored_result(review)
    secret = withheld(truth)
    if mode == Review.Visibility.OPEN:
        assert not secret
    for reader, is_commissioner in ((editor, False), (commissioner, True)):
        client.force_login(reader)
        seen = collect(client, partnership, review, commissioner=is_commissioner)
        for key in secret:
            assert key not in seen.figures, f"{key} shown to {reader}: {seen.figures[key]}"
        for key, value in derivations(seen, truth):
            if key in secret:
                assert abs(value - secret[key]) > _tolerance(key), (
                    f"{key} ({secret[key]}) can be worked out from what {reader} sees: {value}"
                )
        own = {o.name for o in organisations if reader.memberships.filter(organisation=o)}
        results_page = client.get(
            reverse(
                "partnerships:review_results",
                kwargs={"code": partnership.code, "review_code": review.code},
            )
        ).content.decode()
        scores = results_page[results_page.index('id="organisations"') :]
        scores = scores[: scores.index("<h2")]
        names = set(re.findall(r"Org \d+-\d+|ICB \d+", scores))
        if mode == Review.Visibility.CONFIDENTIAL:
            assert names <= own, f"{names - own} named on the results page for {reader}"
        if is_commissioner:
            rows = _csv(client, "ratings")
            codes = {str(o.code) for o in organisations if o.name in own}
            if mode == Review.Visibility.CONFIDENTIAL:
                assert {row["organisation_id"] for row in rows} <= codes
            else:
                assert len({row["organisation_id"] for row in rows}) > 1


def test_the_derivation_check_finds_a_leak(framework):
    """The check itself: a review whose partnership score were shown beside one side would
    give the other side away."""
    _, review, *_ = _partnership(2, Review.Visibility.CONFIDENTIAL, 999)
    truth = results.stored_result(review)
    seen = Seen()
    p = next(p for p in truth.principles if p.score is not None and p.side_means["vcse"])
    seen.add(("score", p.number), scoring.shown(p.score, 2), "a leak")
    seen.add(("nhs", p.number), scoring.shown(p.side_means["nhs"], 2), "a leak")
    found = dict(derivations(seen, truth))
    assert abs(found["vcse", p.number] - p.side_means["vcse"]) <= _tolerance(("vcse", 1))


DOWNLOADS = [
    ("partnerships:report_csv", {"kind": kind})
    for kind in ("partnerships", "organisations", "reviews", "ratings", "comments", "actions")
] + [("partnerships:report_xlsx", {}), ("partnerships:report_pdf", {})]


@pytest.mark.parametrize("mode", [Review.Visibility.CONFIDENTIAL, Review.Visibility.OPEN])
def test_a_charity_viewer_never_receives_another_organisations_rows(client, framework, mode):
    partnership, _, organisations, *_, viewer = _partnership(6, mode, 500 + len(mode))
    client.force_login(viewer)
    others = [*organisations[2:], organisations[0]]
    urls = [reverse(name, kwargs=kwargs) for name, kwargs in DOWNLOADS] + [
        reverse("partnerships:partnership_pdf", kwargs={"code": partnership.code})
    ]
    for url in urls:
        response = client.get(url)
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode("utf-8", "replace")
        assert response.status_code in (200, 403), url
        if response.status_code == 200:
            for organisation in others:
                assert organisation.name not in body and str(organisation.code) not in body, url
