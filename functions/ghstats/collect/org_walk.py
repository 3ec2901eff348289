"""An organisation-level collector's paged REST walk, resumable at its next page.

A walk stops after a rate-limit answer, an error or short of Lambda time; what it fetched and
where it was go into the work item's partial object, and the next attempt goes on from that
page (no page is fetched twice, no record counted twice: records are keyed by the collector's
key).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from ghstats.collectors.unit import Collector, Record
from ghstats.github.client import GitHubClient


class WalkPaused(Exception):
    """Stopped between two pages to finish inside the invocation; go on in the next."""


@dataclass
class WalkProgress:
    records: dict[str, Record] = field(default_factory=dict)
    next_url: str | None = None  # the page to fetch next (GitHub's link rel="next")
    pages: int = 0  # pages fetched, all attempts
    requests: int = 0  # GitHub requests of earlier attempts

    @property
    def done(self) -> bool:
        return self.pages > 0 and self.next_url is None

    def to_dict(self, client: GitHubClient) -> dict[str, Any]:
        return {**asdict(self), "requests": self.requests + client.requests_made}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "WalkProgress":
        return cls(**data) if data else cls()


def walk_org(client: GitHubClient, collector: Collector, org: str, progress: WalkProgress,
             out_of_time: Callable[[], bool] = lambda: False) -> None:
    """Fetch the rest of `org`'s pages into `progress`; raise WalkPaused between pages when
    `out_of_time()` (after at least one page), or the GitHub error that stopped it."""
    assert collector.rest_path and collector.item_record, f"{collector.name} is not a paged REST collector"
    pages_before = progress.pages
    while not progress.done:
        if progress.pages > pages_before and out_of_time():
            raise WalkPaused(f"{collector.name} of {org} paused before page {progress.pages + 1}")
        page = client.rest_page(collector.rest_path.format(org=org), dict(collector.rest_params), url=progress.next_url)
        for item in page.items:
            record = collector.item_record(item)
            progress.records[record["key"]] = record
        progress.pages += 1
        progress.next_url = page.next_url
