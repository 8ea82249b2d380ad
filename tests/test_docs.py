"""The documents say what the code does, and the code cites only documents that exist."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Everything of the project's own that may cite a document.
SOURCES = [
    "config",
    "organisations",
    "principles",
    "partnerships",
    "api",
    "templates",
    "tests",
    "bench",
]
CITATION = re.compile(r"[\w./-]*\w\.md\b")


def _texts():
    yield from (ROOT / name for name in ["README.md", "Makefile", "Procfile"])
    yield from sorted((ROOT / "docs").glob("*.md"))
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".md", ".sh"} and path.is_file():
                yield path


def _exists(citation: str, citing: Path) -> bool:
    """A path from the root or beside the citing file; a bare name may be one of docs/ (code
    that builds the path, `ROOT / "docs" / "scoring.md"`, cites it by name alone)."""
    return any((base / citation).is_file() for base in (ROOT, citing.parent, ROOT / "docs"))


def test_every_cited_document_exists():
    missing = [
        f"{path.relative_to(ROOT)}:{number}: {citation}"
        for path in _texts()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        for citation in CITATION.findall(line)
        if not _exists(citation, path)
    ]
    assert not missing, "Cited documents that do not exist:\n" + "\n".join(missing)


def _plain(path: Path) -> str:
    return " ".join(path.read_text().split())


@pytest.mark.parametrize("document", ["README.md", "docs/design.md"])
def test_a_reminder_left_sending_waits_for_the_first_sweep_after_the_time_limit(document):
    """A row left "sending" is stale once the task time limit has passed, and the sweep
    looks every REMINDER_SWEEP_SECONDS: the documents give the sum, with the defaults."""
    text = _plain(ROOT / document)
    assert "the first sweep after `CELERY_TASK_TIME_LIMIT` has passed" in text
    limit, interval = settings.CELERY_TASK_TIME_LIMIT, settings.REMINDER_SWEEP_SECONDS
    assert f"up to {(limit + interval) // 60} minutes" in text
    assert "sent again once `CELERY_TASK_TIME_LIMIT` has passed" not in text
