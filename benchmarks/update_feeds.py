"""The feeds stage of a day added, and the state load before it, in one process, on a
built archive it never writes to.

    python benchmarks/update_feeds.py SITEGEN_FOLDER ARCHIVE_FOLDER [--runs N] [--profile]

Loads the digests of ARCHIVE_FOLDER (its `sitegen.yaml` and `.sitegen-cache`, read only)
with the sitegen of SITEGEN_FOLDER, takes the newest day out, models and routes that
archive and fingerprints its feeds and sitemap files (what the last build's served
folder holds), then puts the day back and times what the feeds stage of the update
does: every feed's fingerprint, and the bytes of those whose fingerprint changed (not
the writing). Also times loading the archive's build state (`Cache.load`). Prints the
medians of N runs (default 3), wall and CPU seconds (CPU is the figure to compare on a
shared machine), and how many files were made again: run it with two checkouts to
compare them. With `--profile`, then prints where the feeds stage spends its time.

Also times the cycle collector's first collection of the young generations after each
model is made (with the collector paused, as a build makes it: all of it is young): after
the first model as it is, after the second with what exists frozen first (`gc.freeze()`,
as `parallel.fork_map` does before rendering).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

source, root = sys.argv[1], Path(sys.argv[2])
runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
sys.path.insert(0, source)
gc.disable()  # as `sitegen build` does while modelling and planning

from sitegen import feeds  # noqa: E402
from sitegen.archive import build_archive  # noqa: E402
from sitegen.cache import Cache  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.dependencies import site_fingerprint  # noqa: E402
from sitegen.kinds import Pages  # noqa: E402
from sitegen.reader import list_content, read_listed  # noqa: E402
from sitegen.themes import load_theme, theme_assets, vendor_assets  # noqa: E402
from sitegen.venues import Venues  # noqa: E402


def timed(name, function, times: int = 1):
    """`function()`, run `times` times: prints the median wall and CPU seconds; returns the last result."""
    walls, cpus = [], []
    for _ in range(times):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"{name:36s} {statistics.median(walls):7.2f} s wall {statistics.median(cpus):7.2f} s CPU", flush=True)
    return result


def listed(pages):
    """The pages as the checkout's `feeds.feed_sources` takes them: each kind's keys and
    paths (as a plan gives them), or, before that, the `Page` tuples."""
    return feeds.by_kind(pages) if hasattr(feeds, "by_kind") else list(pages)


def update_feeds(archive, pages, held: dict[str, str]) -> tuple[int, int, int]:
    """The feeds stage of an update, but for the writing: (files, made again, bytes made)."""
    files = made = size = 0
    for feed in feeds.feed_sources(archive, config, pages, site):
        files += 1
        if held.get(feed.path) != feed.fingerprint:
            made += 1
            size += len(feed.make())
    return files, made, size


config = load_config(root / "sitegen.yaml")
cache = Cache(root / ".sitegen-cache")
state = timed("load the state", lambda: cache.load(config.output_path), runs)
print(f"  {len(state.served or {}):,} paths served")
del state
listing = list_content(config.content_path, config.category_overrides, ignore=config.ignore, remembered=cache.listing())
after = dict(timed("read", lambda: read_listed(listing, known=cache.digest)).parsed)
newest = max(digest.day for digest in after.values() if digest.day and digest.entries)
before = {key: digest for key, digest in after.items() if digest.day != newest}
print(f"the day added: {newest}, {sum(len(d.entries) for d in after.values() if d.day == newest)} entries")
venues = Venues(config.venue_aliases)
site = site_fingerprint(config, theme_assets(load_theme(config)), vendor_assets())
old = timed("model without the day", lambda: build_archive(before.values(), venues))
old_pages = timed("route its pages", lambda: listed(Pages(old, config).pages()))
timed("gc.collect(1) after it", lambda: gc.collect(1))
held = {feed.path: feed.fingerprint for feed in feeds.feed_sources(old, config, old_pages, site)}
del old, old_pages
new = timed("model with the day", lambda: build_archive(after.values(), venues))
pages = timed("route its pages", lambda: listed(Pages(new, config).pages()))
gc.freeze()
timed("gc.collect(1) after it, frozen first", lambda: gc.collect(1))
gc.unfreeze()
files, made, size = timed("feeds stage of the update", lambda: update_feeds(new, pages, held), runs)
print(f"  {files:,} feed and sitemap files, {made:,} made again ({size / 2**20:.1f} MiB)")
if "--profile" in sys.argv:
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(update_feeds, new, pages, held)
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)
