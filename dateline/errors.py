"""dateline's one exception tree.

    DatelineError                 a document or a request could not be handled
    ├── IngestError               stage "ingest": unreadable, too large, unknown kind
    ├── ExtractError              stage "extract": no article text could be found
    ├── AnalyzeError              stage "analyze"
    ├── FetchError                stage "fetch": HTTP status, timeout, robots.txt
    └── StoreError                stage "store": the database refused a write
    ConfigError                   a user mistake in options or configuration

A failed document is data: the runner catches ``DatelineError``, records
``(source, stage, code, message)`` and goes on with the next document.
Third-party exceptions are translated at the boundary with ``raise ... from exc``.
"""

from __future__ import annotations

from .records import ErrorRecord


class DatelineError(Exception):
    """A document could not go through a stage; ``code`` is stable, ``detail`` says why."""

    stage = "pipeline"

    def __init__(self, code: str, detail: str, *, source: str | None = None) -> None:
        self.code = code
        self.detail = detail
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}[{self.stage}/{code}] {detail}")

    def record(self) -> ErrorRecord:
        return ErrorRecord(stage=self.stage, code=self.code, message=self.detail)


class IngestError(DatelineError):
    stage = "ingest"


class ExtractError(DatelineError):
    stage = "extract"


class AnalyzeError(DatelineError):
    stage = "analyze"


class LinkError(DatelineError):
    stage = "link"


class FetchError(DatelineError):
    stage = "fetch"


class StoreError(DatelineError):
    stage = "store"


class ConfigError(Exception):
    """A user mistake in options or configuration; the message says how to fix it."""
