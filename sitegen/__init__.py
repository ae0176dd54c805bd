"""sitegen: turn folders of arXiv digests into a fast static archive."""

__version__ = "0.2.0"
