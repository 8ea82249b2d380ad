"""Working days: weekends and bank holidays skipped, by the nations a concern involves.

Bank holidays come from the maintained `holidays` library (its United Kingdom calendar by
subdivision), never a list kept here. England's always count; Scotland's, Wales's or
Northern Ireland's are added where the partnership's ICB area or the raising organisation
is there (`Organisation.nation_for_holidays`).
"""

import datetime
from functools import lru_cache

import holidays

from organisations.models import Organisation

Nation = Organisation.Nation
SUBDIVISION = {
    Nation.ENGLAND: "ENG",
    Nation.SCOTLAND: "SCT",
    Nation.WALES: "WLS",
    Nation.NORTHERN_IRELAND: "NIR",
}


@lru_cache(maxsize=64)
def _bank_holidays(nation: str, year: int) -> frozenset[datetime.date]:
    # Only the bank holidays: the library's UK calendar adds nothing else by default.
    return frozenset(holidays.UK(subdiv=SUBDIVISION[nation], years=year))


def is_working_day(day: datetime.date, nations: frozenset[str]) -> bool:
    if day.weekday() >= 5:
        return False
    return not any(day in _bank_holidays(nation, day.year) for nation in nations)


def add_working_days(start: datetime.date, days: int, nations) -> datetime.date:
    """The date `days` working days after `start` (the day itself not counted)."""
    nations = frozenset(nations) | {Nation.ENGLAND}
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, nations):
            days -= 1
    return day


def nations_of(*organisations: Organisation | None) -> frozenset[str]:
    """England, with the nation of each organisation given."""
    return frozenset({Nation.ENGLAND}) | {
        organisation.nation_for_holidays for organisation in organisations if organisation
    }
