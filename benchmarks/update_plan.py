"""The plan stage of a day added, in one process, on a built archive it never writes to.

    python benchmarks/update_plan.py SITEGEN_FOLDER ARCHIVE_FOLDER [--clean]

Loads the digests of ARCHIVE_FOLDER (its `sitegen.yaml` and `.sitegen-cache`, read only)
with the sitegen of SITEGEN_FOLDER, takes the newest day out, plans that archive clean
(recording what each page reads), keeps the reads as the cache would (in a temporary
file), then puts the day back and plans the update from the reads and the changed keys;
checks that the update's fingerprints are a clean plan's. Prints wall and CPU seconds of
each step (CPU is the figure to compare on a shared machine). With `--clean`, plans the
whole archive clean twice and stops: run it with two checkouts to compare clean plans.
"""

from __future__ import annotations

import gc
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

source, root = sys.argv[1], Path(sys.argv[2])
sys.path.insert(0, source)
gc.disable()  # as `sitegen build` does while planning

from sitegen.archive import build_archive  # noqa: E402
from sitegen.cache import Cache  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.dependencies import site_fingerprint, template_fingerprints  # noqa: E402
from sitegen.kinds import Pages, templates as page_templates  # noqa: E402
from sitegen.reader import list_content, read_listed  # noqa: E402
from sitegen.render import environment  # noqa: E402
from sitegen.themes import extra_assets, load_theme, theme_assets, vendor_assets  # noqa: E402
from sitegen.venues import Venues  # noqa: E402


def timed(name, function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    print(f"{name:32s} {time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU", flush=True)
    return result


config = load_config(root / "sitegen.yaml")
cache = Cache(root / ".sitegen-cache")
listing = list_content(config.content_path, config.category_overrides, ignore=config.ignore, remembered=cache.listing())
after = dict(timed("read", lambda: read_listed(listing, known=cache.digest)).parsed)
newest = max(digest.day for digest in after.values() if digest.day and digest.entries)
before = {key: digest for key, digest in after.items() if digest.day != newest}
print(f"the day added: {newest}, {sum(len(d.entries) for d in after.values() if d.day == newest)} entries")
venues = Venues(config.venue_aliases)
theme = load_theme(config)
vendor, assets = vendor_assets(), theme_assets(theme)
site = site_fingerprint(config, assets, vendor)
templates = template_fingerprints(environment(theme, assets, vendor, extra_assets(config, theme, assets)),
                                  page_templates())
new = timed("model", lambda: build_archive(after.values(), venues))
if "--clean" in sys.argv:
    timed("clean plan", lambda: Pages(new, config).plan(site, templates))
    timed("clean plan, again", lambda: Pages(new, config).plan(site, templates))
    sys.exit()

from sitegen.archive import changed_keys  # noqa: E402  (not in older checkouts)

old = timed("model without the day", lambda: build_archive(before.values(), venues))
_, known, recorded, _ = timed("clean plan without the day", lambda: Pages(old, config).plan(site, templates))
old_papers = old.papers  # as the last build had them: what `changed_keys` compares with
del old
with tempfile.TemporaryDirectory() as folder:
    kept = Path(folder) / "reads.pickle"
    timed("settle and pickle the reads", lambda: kept.write_bytes(pickle.dumps(recorded, pickle.HIGHEST_PROTOCOL)))
    print(f"reads.pickle: {kept.stat().st_size / 2**20:.1f} MiB, {len(recorded.paths):,} paths, "
          f"{len(recorded.keys):,} keys, {len(recorded.read):,} reads")
    recorded = timed("load the reads", lambda: pickle.loads(kept.read_bytes()))
    files = [digest for key, digest in after.items() if key not in before] + \
            [digest for key, digest in before.items() if key not in after]
    change = timed("changed keys", lambda: changed_keys(new, files, old_papers))
    print(f"  {len(change.keys)} keys, {len(change.categories)} categories")
    pages, fingerprints, recorded, read = timed("update plan", lambda: Pages(new, config).plan(
        site, templates, known, recorded, change))
    differ = sum(1 for path, fingerprint in fingerprints.items() if known.get(path) != fingerprint)
    print(f"  {len(pages):,} pages, {len(read):,} read, {differ:,} with another fingerprint than before")
    timed("settle and pickle the reads", lambda: kept.write_bytes(pickle.dumps(recorded, pickle.HIGHEST_PROTOCOL)))
_, clean, *_ = timed("clean plan", lambda: Pages(new, config).plan(site, templates))
print("the update's fingerprints are the clean plan's:", clean == fingerprints)
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
