"""The columns of the report's files, written down once.

Each column has the stable machine name a CSV's header carries (scripts read files by it, so
it never changes), the heading the workbook shows people, what it means (the "About these
downloads" page lists them) and how the workbook shows its values.
"""

from dataclasses import dataclass

# How the workbook shows a column's values: its Excel number format and its width.
TEXT, LONG_TEXT, CODE, DATE, WHOLE, SCORE, INDEX, MONEY = (
    "text",
    "long_text",
    "code",
    "date",
    "whole",
    "score",
    "index",
    "money",
)
NUMBER_FORMATS = {
    DATE: "d mmm yyyy",
    WHOLE: "0",
    SCORE: "0.00",
    INDEX: "0.0",
    MONEY: '"£"#,##0.00',
}
# Characters wide, as Excel counts them: enough for most values, never the whole sheet.
WIDTHS = {TEXT: 22, LONG_TEXT: 48, CODE: 38, DATE: 13, WHOLE: 10, SCORE: 10, INDEX: 9, MONEY: 15}


# What one row of each file is, for the workbook's README sheet.
ONE_ROW_PER = {
    "partnerships": "Partnership",
    "organisations": "Organisation in a partnership, current or former",
    "reviews": "Closed review in the report, and every open review",
    "ratings": "Statement rating of a submitted self-assessment in a closed review",
    "comments": "Comment its writer shared, on a statement of a closed review",
    "actions": "Action",
    "concerns": "Concern raised between reviews",
}


@dataclass(frozen=True)
class Column:
    name: str  # the CSV header: stable
    heading: str  # the workbook's header
    meaning: str
    kind: str = TEXT

    @property
    def number_format(self) -> str | None:
        return NUMBER_FORMATS.get(self.kind)

    @property
    def width(self) -> int:
        # A heading wider than its values still shows whole.
        return max(WIDTHS[self.kind], min(len(self.heading) + 2, 30))


def _partnership(name="partnership") -> tuple[Column, Column]:
    return (
        Column("partnership_id", "Partnership ID", "The partnership's public code.", CODE),
        Column(name, "Partnership", "The partnership's name."),
    )


PARTNERSHIPS = (
    Column("partnership_id", "Partnership ID", "The partnership's public code.", CODE),
    Column("name", "Partnership", "The partnership's name."),
    Column(
        "type",
        "Type",
        "contract, grant, alliance_contract, place_based, vcse_alliance, section_75 or other.",
    ),
    Column("service_area", "Service area", "What the partnership is for."),
    Column("icb", "ICB area", "The Integrated Care Board whose area it is in."),
    Column("icb_ods_code", "ICB ODS code", "That ICB's ODS code."),
    Column("nhs_region", "NHS region", "That ICB's NHS region."),
    Column("framework", "Framework", "The framework and version its reviews use."),
    Column("starts_on", "Starts", "When the contract or grant starts.", DATE),
    Column("ends_on", "Ends", "When it ends.", DATE),
    Column("annual_value_gbp", "Annual value (£)", "Its annual value in pounds.", MONEY),
    Column("contract_reference", "Contract reference", "The contract or grant reference."),
    Column(
        "review_frequency_months",
        "Reviewed every (months)",
        "How often it is reviewed, in months.",
        WHOLE,
    ),
    Column("next_review_due", "Next review due", "When the next review is due.", DATE),
    Column("current_partners", "Current partners", "How many partners it has now.", WHOLE),
)

ORGANISATIONS = (
    *_partnership(),
    Column("organisation_id", "Organisation ID", "The organisation's public code.", CODE),
    Column("organisation", "Organisation", "The organisation's name."),
    Column("organisation_type", "Type of organisation", "icb, nhs_trust, charity and so on."),
    Column("side", "Side", "nhs, local_government, vcse or other."),
    Column("role", "Role", "Its role in the partnership, such as vcse_partner."),
    Column("joined_on", "Joined", "When it joined the partnership.", DATE),
    Column("left_on", "Left", "When it left; empty while it is a partner.", DATE),
    Column("ods_code", "ODS code", "Its NHS ODS code."),
    Column("charity_number", "Charity number", "Its registered charity number."),
    Column("charity_regulator", "Charity regulator", "CCEW, OSCR or CCNI."),
    Column("company_number", "Company number", "Its Companies House number."),
    Column("nhs_region", "NHS region", "Its NHS region."),
    Column("income_band", "Income band", "A charity's income band (NCVO's bands)."),
    Column(
        "org_ids",
        "Org-id identifiers",
        "Its org-id.guide identifiers, separated by semicolons: GB-NHS- (ODS code), GB-CHC-, "
        "GB-SC-, GB-NIC- (charity number), GB-COH- (company number), GB-MPR- (registered "
        "society); every one it holds, such as both numbers of a charity registered in two "
        "nations.",
    ),
)

REVIEWS = (
    *_partnership(),
    Column("review_id", "Review ID", "The review's public code.", CODE),
    Column("framework", "Framework", "The framework and version of the review."),
    Column("state", "State", "open or closed."),
    Column("opened_on", "Opened", "When the review opened.", DATE),
    Column("due_on", "Due", "When self-assessments were due.", DATE),
    Column("closed_on", "Closed", "When the review closed.", DATE),
    Column("timeliness", "Timeliness", "on_time, late, overdue or open."),
    Column(
        "commissioner_rating",
        "Commissioner's rating",
        "The lead commissioner's health check: red, amber or green.",
    ),
    Column("index", "Index (0–100)", "The partnership index, to one decimal place.", INDEX),
    Column(
        "partners_rating",
        "Partners' rating",
        "From the scores, as on screen: never green while a principle is red.",
    ),
)

# The reviews file then has these for each principle n of the framework.
PRINCIPLE_FIGURES = (
    ("score", "score", "The principle's score, 1–5, to two decimal places.", SCORE),
    ("rag", "band", "red, amber or green: the band of the score as a screen shows it.", TEXT),
    ("nhs", "NHS side", "The NHS side's score.", SCORE),
    ("local_government", "local government side", "The local government side's score.", SCORE),
    ("vcse", "VCSE side", "The VCSE side's score.", SCORE),
    (
        "gap",
        "gap",
        "The NHS side minus the VCSE side in the file, so the three add up.",
        SCORE,
    ),
    (
        "gap_flag",
        "gap flag",
        "significant or watch, for the gap as a screen shows it.",
        TEXT,
    ),
    ("spread", "spread", "How far the partners' scores lie apart.", SCORE),
)


def principle_columns(numbers) -> tuple[Column, ...]:
    return tuple(
        Column(
            f"principle_{n}_{figure}",
            f"Principle {n} {heading}",
            meaning,
            kind,
        )
        for n in numbers
        for figure, heading, meaning, kind in PRINCIPLE_FIGURES
    )


RATINGS = (
    *_partnership(),
    Column("review_id", "Review ID", "The review's public code.", CODE),
    Column("review_closed_on", "Review closed", "When the review closed.", DATE),
    Column("organisation_id", "Organisation ID", "The assessing organisation's code.", CODE),
    Column("organisation", "Organisation", "The assessing organisation's name."),
    Column("side", "Side", "nhs, local_government, vcse or other."),
    Column("principle_number", "Principle number", "The principle's number.", WHOLE),
    Column("principle", "Principle", "The principle's name."),
    Column("statement_number", "Statement number", "The statement's number.", WHOLE),
    Column("statement", "Statement", "The statement rated.", LONG_TEXT),
    Column("score", "Score (1–5)", "1 to 5; empty for “Don't know”.", WHOLE),
    Column("dont_know", "Don't know", "yes, or empty."),
)

COMMENTS = (
    *_partnership(),
    Column("review_id", "Review ID", "The review's public code.", CODE),
    Column("review_closed_on", "Review closed", "When the review closed.", DATE),
    Column("principle_number", "Principle number", "The principle's number.", WHOLE),
    Column("principle", "Principle", "The principle's name."),
    Column("statement_number", "Statement number", "The statement's number.", WHOLE),
    Column("statement", "Statement", "The statement commented on.", LONG_TEXT),
    Column(
        "shown_as_from",
        "From",
        "The organisation's name in an open review; its side in a confidential one "
        "(“A VCSE partner”), or “A partner” when a side is too small to be shown.",
    ),
    Column("comment", "Comment", "The comment, shared by its writer with the partners.", LONG_TEXT),
)

ACTIONS = (
    *_partnership(),
    Column("action_id", "Action ID", "The action's public code.", CODE),
    Column("description", "Action", "What needs to happen.", LONG_TEXT),
    Column("principle_number", "Principle number", "The principle it helps with.", WHOLE),
    Column("principle", "Principle", "That principle's name."),
    Column("review_id", "Review ID", "The review it came from.", CODE),
    Column("owner_organisation", "Owner organisation", "The organisation that owns it."),
    Column("owner", "Owner", "The person responsible."),
    Column("due_on", "Due", "When it is due.", DATE),
    Column("status", "Status", "open, done or dropped."),
    Column("overdue", "Overdue", "yes, or empty."),
    Column("created_on", "Added", "When it was added.", DATE),
)

CONCERNS = (
    *_partnership(),
    Column("concern_id", "Concern ID", "The concern's public code.", CODE),
    Column("icb", "ICB", "The partnership's ICB area."),
    Column("raised_by_organisation", "Raised by", "The organisation that raised it."),
    Column("principle_number", "Principle number", "The principle it touches.", WHOLE),
    Column("principle", "Principle", "That principle's name."),
    Column("raised_on", "Raised", "When it was raised.", DATE),
    Column("visibility", "Seen by", "lead (the lead commissioner only) or partners."),
    Column("state", "State", "raised, acknowledged, responded, closed or withdrawn."),
    Column("acknowledge_by", "Acknowledge by", "Its first deadline, in working days.", DATE),
    Column("acknowledged_on", "Acknowledged", "When the lead commissioner acknowledged it.", DATE),
    Column("respond_by", "Answer by", "Its second deadline, in working days.", DATE),
    Column("responded_on", "Answered", "When the lead commissioner answered it.", DATE),
    Column("answered_on_time", "Answered on time", "yes, no, or empty while unanswered."),
    Column("days_to_respond", "Days to answer", "Calendar days from raising to the answer.", WHOLE),
    Column("outcome", "Outcome", "satisfied or not_satisfied, once closed."),
    Column("escalated", "Escalated", "yes when escalated, by the sweep or the raiser."),
)
