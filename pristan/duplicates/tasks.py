"""The scan for possible duplicates as a job of `pristan worker`: nightly (jobs/schedule.py), or
enqueued by `pristan duplicates scan --background`."""

from dataclasses import asdict

from pristan.duplicates.scan import scan_all
from pristan.jobs.services import job


@job(retries_when_lost=1)  # a scan run again finds the same pairs and keeps every decision
def duplicates_scan_run() -> dict[str, object]:
    """Counts and figures only, never a name: they stay in the queue's table for a week."""
    result = scan_all()
    return {
        "persons": result.persons, "pairs": result.pairs, "new_pairs": result.new_pairs, "stale_pairs": result.stale_pairs,
        "stages": {name: asdict(figure) for name, figure in result.stages.items()},
    }  # fmt: skip
