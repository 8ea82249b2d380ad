"""The page number a list was asked for, read the same way by every paged list."""


def page_number(request, name: str = "page") -> str:
    """The query's page number when it is a plain number of at most six digits, else "1"
    (so a hostile value is the first page, not an error or a huge OFFSET)."""
    number = request.GET.get(name, "")
    return number if number.isdigit() and len(number) < 7 else "1"
