"""URL slugs for names: authors (`laurent-amsaleg`) and venues (`cvpr-workshops`)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

NOT_IN_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str, fallback: str = "author") -> str:
    """ASCII, lowercase, words joined by '-'; a name with no Latin letters gets `fallback`
    and a hash."""
    ascii_name = name if name.isascii() else (  # ASCII text is its own NFKD form
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii"))
    slug = NOT_IN_SLUG.sub("-", ascii_name.lower()).strip("-")
    return slug or f"{fallback}-" + hashlib.blake2b(name.encode("utf-8"), digest_size=4).hexdigest()
