"""How well venues are read: `Venues.read` against the hand-labelled sample.

    python benchmarks/venues.py [--errors] [SAMPLE.tsv]

tests/fixtures/venues.tsv (the default) holds real Comment/Journal texts, each labelled by
reading it:
the venue the text says the paper was accepted at (or submitted to), its year, and the
status (accepted, submitted, none). A reading is right when its short name and year equal
the label's. Recall counts the accepted texts whose venue the table knows (texts naming a
venue outside it are counted apart: a site adds those with `venue_aliases`).
tests/fixtures/venues-holdout.tsv is labelled the same way, from texts the reader was never
tuned on.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sitegen.venues import CONFERENCE, Venue, Venues

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "venues.tsv"


@dataclass(frozen=True)
class Labelled:
    source: str
    comment: str | None
    journal: str | None
    venue: str | None
    year: int | None
    status: str  # accepted, submitted or none


@dataclass(frozen=True)
class Figures:
    rows: int
    labelled: Counter  # status -> texts
    read_accepted: int  # texts read as accepted
    right: int  # ... with the labelled venue and year
    accepted_known: int  # texts labelled accepted at a venue the table knows
    found_known: int  # ... read right
    accepted_other: int  # texts labelled accepted at a venue the table does not know
    submitted_as_accepted: int
    confusion: Counter  # (label status, what was read) -> texts
    errors: tuple[tuple[Labelled, Venue | None], ...]

    @property
    def precision(self) -> float:
        return self.right / self.read_accepted

    @property
    def recall(self) -> float:
        return self.found_known / self.accepted_known


def load_sample(path: Path = SAMPLE) -> list[Labelled]:
    def value(text: str) -> str | None:
        return None if text == "-" else text

    with path.open(encoding="utf-8", newline="") as file:
        return [Labelled(row["source"], value(row["comment"]), value(row["journal"]), value(row["venue"]),
                         int(row["year"]) if row["year"] != "-" else None, row["status"])
                for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)]


def known_shorts(venues: Venues) -> set[str]:
    """Every short name the table can give, workshops of its conferences included."""
    return {known.short for known in venues.known.values()} | {
        f"{known.short} Workshops" for known in venues.known.values() if known.kind == CONFERENCE}


def measure(sample: list[Labelled], venues: Venues) -> Figures:
    known = known_shorts(venues)
    confusion: Counter = Counter()
    errors = []
    read_accepted = right = accepted_known = found_known = accepted_other = submitted_as_accepted = 0
    for labelled in sample:
        venue = venues.read(labelled.comment, labelled.journal)
        is_right = venue is not None and (venue.short, venue.year) == (labelled.venue, labelled.year)
        accepted = venue is not None and venue.accepted
        if accepted:
            read_accepted += 1
            right += is_right and labelled.status == "accepted"
            submitted_as_accepted += labelled.status == "submitted"
        if labelled.status == "accepted":
            if labelled.venue in known:
                accepted_known += 1
                found_known += accepted and is_right
            else:
                accepted_other += 1
        read = "none" if venue is None else venue.status if is_right or not accepted else "accepted, wrong venue"
        confusion[labelled.status, read] += 1
        wrong_acceptance = accepted and not (is_right and labelled.status == "accepted")
        missed = labelled.status == "accepted" and labelled.venue in known and not (accepted and is_right)
        if wrong_acceptance or missed:
            errors.append((labelled, venue))
    return Figures(len(sample), Counter(item.status for item in sample), read_accepted, right, accepted_known,
                   found_known, accepted_other, submitted_as_accepted, confusion, tuple(errors))


def table(figures: Figures) -> str:
    reads = ("accepted", "accepted, wrong venue", "submitted", "none")
    lines = [f"{figures.rows} labelled texts: " + ", ".join(f"{count} {status}"
                                                            for status, count in sorted(figures.labelled.items())),
             "",
             "| labelled \\ read | " + " | ".join(reads) + " |",
             "| --- |" + " --- |" * len(reads)]
    for status in ("accepted", "submitted", "none"):
        lines.append(f"| {status} | " + " | ".join(str(figures.confusion[status, read]) for read in reads) + " |")
    lines += ["",
              f"precision (accepted venues): {figures.right}/{figures.read_accepted} = {figures.precision:.1%}",
              f"recall (accepted at a venue of the table): {figures.found_known}/{figures.accepted_known} "
              f"= {figures.recall:.1%}",
              f"accepted at a venue outside the table: {figures.accepted_other} (not counted in recall)",
              f"submitted texts read as accepted: {figures.submitted_as_accepted}"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv if not arg.startswith("--")]
    figures = measure(load_sample(*paths), Venues())
    print(table(figures))
    if "--errors" in argv:
        for labelled, venue in figures.errors:
            read = "nothing" if venue is None else f"{venue.short} {venue.year} ({venue.status})"
            print(f"\n{labelled.source}: labelled {labelled.venue} {labelled.year} ({labelled.status}), read {read}"
                  f"\n  comment: {labelled.comment}\n  journal: {labelled.journal}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
