"""Read where a paper was accepted or submitted from its Comment and Journal text. Pure.

arXiv authors write it freely: "Accepted to CVPR 2023", "ECCV 2022 Oral", "To appear in
IEEE TPAMI", "Submitted to NeurIPS 2022", and the Journal field holds a reference once
the paper is published. `Venues.read` finds the venues named (the built-in table below,
extended by `venue_aliases` in sitegen.yaml), and for each mention decides from the words
around it, within its sentence, whether the paper was accepted there, submitted there,
or whether the mention is about something else (an earlier version, a challenge entry).

Precision comes first: a venue page must never list a paper that was only submitted, so
a mention counts as accepted on an explicit word ("accepted", "to appear", "published",
"camera ready", a Journal reference) or as arXiv authors write a bare acceptance, the
venue with its year ("CVPR 2023", "ECCV 2022 Oral"); anything that speaks of submission,
review or rejection is never read as accepted. The year is the one the text gives next to
the venue; without one the year is None, never guessed. docs/venues.md has the measured
precision and recall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Iterator, Mapping

from .slugs import slugify

ACCEPTED = "accepted"  # accepted or published
SUBMITTED = "submitted"  # submitted, under review, or rejected: not accepted

CONFERENCE, JOURNAL, WORKSHOP = "conference", "journal", "workshop"

# short name, full name, kind, other spellings. A spelling of one word ("CVPR", "MedIA")
# matches in that case alone ("Visual Media" is no MedIA); a longer one ignores case.
# "Transactions on" in a spelling also matches "Transaction on", "Trans." and "Transactions".
BUILT_IN: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # computer vision
    ("CVPR", "IEEE/CVF Conference on Computer Vision and Pattern Recognition", CONFERENCE,
     ("Conference on Computer Vision and Pattern Recognition", "Computer Vision and Pattern Recognition Conference",
      "Computer Vision and Pattern Recognition", "International Conference on Computer Vision and Pattern Recognition")),
    ("ICCV", "IEEE/CVF International Conference on Computer Vision", CONFERENCE,
     ("International Conference on Computer Vision",)),
    ("ECCV", "European Conference on Computer Vision", CONFERENCE, ()),
    ("WACV", "IEEE/CVF Winter Conference on Applications of Computer Vision", CONFERENCE,
     ("Winter Conference on Applications of Computer Vision",)),
    ("BMVC", "British Machine Vision Conference", CONFERENCE, ()),
    ("ACCV", "Asian Conference on Computer Vision", CONFERENCE, ()),
    ("3DV", "International Conference on 3D Vision", CONFERENCE, ()),
    ("ICPR", "International Conference on Pattern Recognition", CONFERENCE, ()),
    ("ICPRAM", "International Conference on Pattern Recognition Applications and Methods", CONFERENCE, ()),
    ("VISAPP", "International Conference on Computer Vision Theory and Applications", CONFERENCE, ()),
    ("ICIP", "IEEE International Conference on Image Processing", CONFERENCE,
     ("International Conference on Image Processing", "International Conference in Image Processing")),
    ("ICASSP", "IEEE International Conference on Acoustics, Speech and Signal Processing", CONFERENCE,
     ("International Conference on Acoustics, Speech and Signal Processing",
      "International Conference on Acoustics, Speech, and Signal Processing")),
    ("ICME", "IEEE International Conference on Multimedia and Expo", CONFERENCE,
     ("International Conference on Multimedia and Expo",)),
    ("ACM MM", "ACM International Conference on Multimedia", CONFERENCE,
     ("ACM-MM", "ACMMM", "ACM Multimedia", "International Conference on Multimedia")),
    ("ICDAR", "International Conference on Document Analysis and Recognition", CONFERENCE, ()),
    ("FG", "IEEE International Conference on Automatic Face and Gesture Recognition", CONFERENCE,
     ("International Conference on Automatic Face and Gesture Recognition",)),
    # machine learning and artificial intelligence
    ("NeurIPS", "Conference on Neural Information Processing Systems", CONFERENCE,
     ("NIPS", "Neurips", "Neural Information Processing Systems")),
    ("ICML", "International Conference on Machine Learning", CONFERENCE, ()),
    ("ICLR", "International Conference on Learning Representations", CONFERENCE, ()),
    ("AAAI", "AAAI Conference on Artificial Intelligence", CONFERENCE, ()),
    ("IJCAI", "International Joint Conference on Artificial Intelligence", CONFERENCE, ("IJCAI-ECAI",)),
    ("IJCNN", "International Joint Conference on Neural Networks", CONFERENCE, ()),
    ("KDD", "ACM SIGKDD Conference on Knowledge Discovery and Data Mining", CONFERENCE, ("SIGKDD",)),
    ("ACL", "Annual Meeting of the Association for Computational Linguistics", CONFERENCE, ()),
    ("EMNLP", "Conference on Empirical Methods in Natural Language Processing", CONFERENCE, ()),
    ("NAACL", "Conference of the North American Chapter of the Association for Computational Linguistics",
     CONFERENCE, ()),
    # medical imaging
    ("MICCAI", "International Conference on Medical Image Computing and Computer Assisted Intervention", CONFERENCE,
     ("Medical Image Computing and Computer Assisted Intervention",
      "Medical Image Computing and Computer-Assisted Intervention")),
    ("ISBI", "IEEE International Symposium on Biomedical Imaging", CONFERENCE,
     ("International Symposium on Biomedical Imaging",)),
    # robotics, graphics, remote sensing
    ("ICRA", "IEEE International Conference on Robotics and Automation", CONFERENCE,
     ("International Conference on Robotics and Automation", "Conference on Robotics and Automation")),
    ("IROS", "IEEE/RSJ International Conference on Intelligent Robots and Systems", CONFERENCE,
     ("International Conference on Intelligent Robots and Systems",)),
    ("SIGGRAPH", "ACM SIGGRAPH Conference", CONFERENCE, ()),
    ("SIGGRAPH Asia", "ACM SIGGRAPH Asia Conference", CONFERENCE, ("SIGGRAPH ASIA",)),
    ("IGARSS", "IEEE International Geoscience and Remote Sensing Symposium", CONFERENCE,
     ("International Geoscience and Remote Sensing Symposium",)),
    # journals
    ("TPAMI", "IEEE Transactions on Pattern Analysis and Machine Intelligence", JOURNAL,
     ("T-PAMI", "PAMI", "IEEE Trans. Pattern Anal. Mach. Intell.")),
    ("IJCV", "International Journal of Computer Vision", JOURNAL, ("Int. J. Comput. Vis.",)),
    ("TIP", "IEEE Transactions on Image Processing", JOURNAL, ("T-IP", "IEEE Trans. Image Process.")),
    ("TMM", "IEEE Transactions on Multimedia", JOURNAL, ()),
    ("TCSVT", "IEEE Transactions on Circuits and Systems for Video Technology", JOURNAL, ("T-CSVT",)),
    ("TNNLS", "IEEE Transactions on Neural Networks and Learning Systems", JOURNAL, ()),
    ("TMI", "IEEE Transactions on Medical Imaging", JOURNAL, ("T-MI",)),
    ("TVCG", "IEEE Transactions on Visualization and Computer Graphics", JOURNAL, ()),
    ("TGRS", "IEEE Transactions on Geoscience and Remote Sensing", JOURNAL, ()),
    ("TIFS", "IEEE Transactions on Information Forensics and Security", JOURNAL, ()),
    ("TITS", "IEEE Transactions on Intelligent Transportation Systems", JOURNAL, ()),
    ("TCYB", "IEEE Transactions on Cybernetics", JOURNAL, ()),
    ("SPL", "IEEE Signal Processing Letters", JOURNAL, ()),
    ("GRSL", "IEEE Geoscience and Remote Sensing Letters", JOURNAL, ()),
    ("JBHI", "IEEE Journal of Biomedical and Health Informatics", JOURNAL, ()),
    ("RA-L", "IEEE Robotics and Automation Letters", JOURNAL, ("RAL", "Robotics and Automation Letters")),
    ("TOG", "ACM Transactions on Graphics", JOURNAL, ("ToG", "ACM Trans. Graph.")),
    ("CGF", "Computer Graphics Forum", JOURNAL, ()),
    ("Pattern Recognition", "Pattern Recognition", JOURNAL, ("Pattern Recognit.",)),
    ("PRL", "Pattern Recognition Letters", JOURNAL, ()),
    ("CVIU", "Computer Vision and Image Understanding", JOURNAL, ()),
    ("MedIA", "Medical Image Analysis", JOURNAL, ("Med. Image Anal.",)),
    ("JMLR", "Journal of Machine Learning Research", JOURNAL, ()),
    ("TMLR", "Transactions on Machine Learning Research", JOURNAL, ()),
    ("Neurocomputing", "Neurocomputing", JOURNAL, ()),
    ("Neural Networks", "Neural Networks", JOURNAL, ()),
    ("IEEE Access", "IEEE Access", JOURNAL, ()),
)

# Journals named by ordinary phrases ("a workshop on Medical Image Analysis", "Conf. Comput.
# Vis. Pattern Recognit."): read only where they stand as a venue, after "in", "to", "by"…
# or opening the text.
COMMON_PHRASES = {"Pattern Recognition", "Medical Image Analysis", "Neural Networks"}
AS_A_VENUE = re.compile(r"(?:^|\b(?:in|to|by|at|for|journal|IEEE|Elsevier)\s*[:,]?\s+(?:the\s+)?(?:journal\s+)?)$",
                        re.IGNORECASE)

# Words that decide a mention, looked for in the mention's sentence: the nearest before
# the mention, else the nearest after it.
CUES = (
    (ACCEPTED, r"ac+c?ep?t(?:ed|ance)?|acccpted|accepeted|to appear|appear(?:s|ed|ing)? (?:in|at)|"
               r"(?:to be )?published|publication|camera[- ]?ready|(?:to be )?presented|proceedings|"
               r"oral|spotlight|poster|highlight"),
    (SUBMITTED, r"submit(?:ted)?|submission|(?:under|in|for) (?:minor |major )?(?:review|revision)|review|"
                r"under consideration|rejected"),
    # a challenge entry: the venue hosted the challenge, it did not accept this paper
    (None, r"winner|winning|(?:\d+(?:st|nd|rd|th)|first|second|third) (?:place|position)|place solution|"
           r"runner-up|solution|challenges?|competition|report"),
)
CUE = re.compile("|".join(f"(?P<c{index}>\\b(?:{words})\\b)" for index, (_, words) in enumerate(CUES)),
                 re.IGNORECASE)
# Anywhere before a mention in its sentence, these make it another work's venue: "extended
# version of our CVPR 2019 paper", "a preliminary version was presented at ICLR 2023".
OTHER_WORK = re.compile(
    r"\b(?:extension|extends?|extended (?:version|from|of)|journal version|conference version|"
    r"(?:short|previous|preliminary|earlier|initial|prior) (?:version|work)s?|previous(?:ly)?|preliminary|"
    r"continuation|our (?:\w+ ){0,3}(?:paper|work))\b", re.IGNORECASE)
WORKSHOP_CUE = re.compile(r"\bworkshops?\b|in conjunction with|co-?located with", re.IGNORECASE)
CHALLENGE = re.compile(r"\b(?:challenges?|competition)\b", re.IGNORECASE)

WORD = re.compile(r"[^\W\d_]+|\d+")  # "CVPR2023" is CVPR then 2023, "3DV" is 3 then DV
URL = re.compile(r"https?://\S+|www\.\S+")
# A sentence ends at ". " before a capital, ";" or "|": a mention's words stay within it.
SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])\.\s+(?=[A-Z])|[;|]\s*")
# The year written right after a venue: "CVPR 2023", "CVPR2023", "CVPR'23", "AAAI-23",
# "BMVC '22", "ICLR (Oral) 2022". Two digits without an apostrophe must touch the name:
# "Medical Image Analysis 84 (2023)" is volume 84 of 2023.
YEAR_AFTER = re.compile(r"(?:\s*\((?:oral|poster|spotlight)\))?(?:[\s'’@,)(-]*(?P<year>(?:19|20)\d\d)|(?:\s?['’]|-)?(?P<short>\d\d))"
                        r"(?!\d|\.\d)", re.IGNORECASE)
# ... or right before it: "2022 IEEE/CVF Conference on …", "2021, Thirty-fifth Conference on …"
YEAR_BEFORE = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)(?:[\s,/]+(?:proceedings|of|the|IEEE|ACM|CVF|RSJ|\d+(?:st|nd|rd|th)|"
                         r"[a-z]+-?(?:first|second|third|[a-z]+th)))*[\s,/]*$", re.IGNORECASE)
YEAR = re.compile(r"(?<![\d.])(?P<year>(?:19|20)\d\d)(?!\d|\.\d)")


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a paper was accepted (or published), or submitted."""

    short: str  # "CVPR", "CVPR Workshops", "TPAMI"
    name: str  # "IEEE/CVF Conference on Computer Vision and Pattern Recognition"
    kind: str  # CONFERENCE, JOURNAL or WORKSHOP
    year: int | None  # as the text gives it; None when it gives none
    status: str  # ACCEPTED or SUBMITTED

    @property
    def slug(self) -> str:
        """For URLs: `cvpr`, `neurips`, `cvpr-workshops`, `ra-l`."""
        return slugify(self.short, fallback="venue")

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


@dataclass(frozen=True, slots=True)
class _Known:
    short: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Mention:
    venue: _Known
    start: int
    end: int


Text = tuple[str | None, str | None]  # a paper's Comment and Journal


class Venues:
    """The table of venues, the built-in one extended by `aliases` (spelling -> short name):
    a short name the table lacks is a new venue of that name, a journal when the spelling
    says Journal, Transactions or Letters, else a conference.

    Each distinct text is read once: `readings` (text -> venue) starts with what an earlier
    reader with the same aliases and code read (`read_before`, kept by the build cache),
    so an update reads the texts of its new papers only."""

    def __init__(self, aliases: Mapping[str, str] | None = None, read_before: dict[Text, Venue | None] | None = None):
        self.readings: dict[Text, Venue | None] = read_before if read_before is not None else {}
        self.read_afresh = 0  # texts read by this reader, not found in `read_before`
        self.known: dict[str, _Known] = {short: _Known(short, name, kind) for short, name, kind, _ in BUILT_IN}
        self.spellings: dict[str, _Known] = {}
        for short, name, kind, others in BUILT_IN:
            for spelling in (short, name, *others):
                self.spellings[spelling] = self.known[short]
            if kind == CONFERENCE:  # "CVPRW", "ECCVw": its workshops
                self.spellings[f"{short}W"] = self.spellings[f"{short}w"] = _workshops(self.known[short])
        for spelling, short in (aliases or {}).items():
            self.spellings[spelling] = self.known.get(short) or _Known(short, short, _kind_of(spelling))

    @cached_property
    def _by_first_word(self) -> dict[str, list[tuple[re.Pattern, _Known]]]:
        """The spellings, grouped by their first word (lowercase), longest first: at one
        place in the text the most specific spelling wins. Looking up each word of a text
        here is many times faster than one alternation of every spelling."""
        groups: dict[str, list[tuple[re.Pattern, _Known]]] = {}
        for spelling in sorted(self.spellings, key=len, reverse=True):
            first = WORD.search(spelling)
            if first:  # an alias of punctuation alone names nothing a text could hold
                groups.setdefault(first.group().lower(), []).append(
                    (re.compile(_spelling_pattern(spelling)), self.spellings[spelling]))
        return groups

    def _spellings_in(self, sentence: str) -> Iterator[_Mention]:
        """Every spelling in `sentence`, leftmost first, none overlapping another."""
        end = 0
        for word in WORD.finditer(sentence):
            if word.start() < end:
                continue
            for pattern, venue in self._by_first_word.get(word.group().lower(), ()):
                match = pattern.match(sentence, word.start())
                if match:
                    end = match.end()
                    yield _Mention(venue, match.start(), match.end())
                    break

    def read(self, comment: str | None, journal: str | None) -> Venue | None:
        """The venue the Journal reference names, else the one the Comment says the paper was
        accepted at, else the one it says it was submitted to; None when neither names one."""
        text = (comment, journal)
        if text in self.readings:
            return self.readings[text]
        self.read_afresh += 1
        venue = self.readings[text] = self._read(comment, journal)
        return venue

    def _read(self, comment: str | None, journal: str | None) -> Venue | None:
        published = self._from_text(journal, published=True) if journal else None
        if published is not None and published.accepted:
            return published
        said = self._from_text(comment, published=False) if comment else None
        if said is not None and said.year is None and journal:
            said = replace(said, year=_only_year(journal))  # the Journal reference dates this paper
        return said or published

    def _from_text(self, text: str, published: bool) -> Venue | None:
        submitted = None
        for sentence in [_plain(text)] if published else _sentences(text):
            mentions = self._mentions(sentence)
            for mention in mentions:
                status = _status(sentence, mention, mentions, published, text)
                if status is None:
                    continue
                venue = self._venue(sentence, mention, mentions, status)
                if status == ACCEPTED:
                    return venue
                submitted = submitted or venue
        return submitted

    def _mentions(self, sentence: str) -> list[_Mention]:
        return [mention for mention in self._spellings_in(sentence)
                if mention.venue.name not in COMMON_PHRASES or AS_A_VENUE.search(sentence, 0, mention.start)]

    @staticmethod
    def _venue(sentence: str, mention: _Mention, mentions: list[_Mention], status: str) -> Venue:
        known = mention.venue
        if known.kind == CONFERENCE and WORKSHOP_CUE.search(sentence, _phrase_start(sentence, mention)):
            known = _workshops(known)
        return Venue(known.short, known.name, known.kind, _year(sentence, mention, mentions), status)


def _workshops(conference: _Known) -> _Known:
    return _Known(f"{conference.short} Workshops", f"{conference.name} Workshops", WORKSHOP)


def _plain(text: str) -> str:
    return " ".join(URL.sub(" ", text).split())  # "…/content/CVPR2021/…" names no venue


def _sentences(text: str) -> Iterator[str]:
    return (part for part in SENTENCE_END.split(_plain(text)) if part)


def _only_year(text: str) -> int | None:
    years = {match.group("year") for match in YEAR.finditer(_plain(text))}
    return int(years.pop()) if len(years) == 1 else None


def _phrase_start(sentence: str, mention: _Mention) -> int:
    """Where the words about this mention begin: after the last cue before it, so in
    "accepted by the OPT Workshop, and submitted to ICASSP 2023" the workshop is OPT's."""
    before = list(CUE.finditer(sentence, 0, mention.start))
    return before[-1].end() if before else 0


def _status(sentence: str, mention: _Mention, mentions: list[_Mention], published: bool, text: str) -> str | None:
    """ACCEPTED, SUBMITTED, or None for a mention that is not about this paper's venue."""
    if OTHER_WORK.search(sentence, 0, mention.start):
        return None
    before = list(CUE.finditer(sentence, 0, mention.start))
    if published:  # a Journal reference: published, unless it says otherwise before the venue
        return SUBMITTED if before and _cue_kind(before[-1]) == SUBMITTED else ACCEPTED
    cue = before[-1] if before else CUE.search(sentence, mention.end)
    if cue is not None:
        return _cue_kind(cue)
    if _year(sentence, mention, mentions) and not CHALLENGE.search(text):
        return ACCEPTED  # a bare "CVPR 2023", "NeurIPS Datasets & Benchmarks Track 2022"
    if not sentence[:mention.start].strip() and not sentence[mention.end:].strip(" ."):
        return ACCEPTED  # a Comment that is the venue's name alone
    return None


def _cue_kind(cue: re.Match) -> str | None:
    return CUES[int(cue.lastgroup[1:])][0]


def _year(sentence: str, mention: _Mention, mentions: list[_Mention]) -> int | None:
    """The year written next to the mention (or next to its acronym in parentheses, as in
    "International Conference on Machine Learning (ICML'23)"), else the first one later in
    its sentence before another venue is named; None when there is none."""
    after = YEAR_AFTER.match(sentence, mention.end)
    if after:
        return _full_year(after.group("year") or after.group("short"))
    before = YEAR_BEFORE.search(sentence, 0, mention.start)
    if before:
        return int(before.group("year"))
    later = [other for other in mentions if other.start >= mention.end]
    if later and _same(later[0], mention) and sentence[mention.end:later[0].start].strip() == "(":
        return _year(sentence, later[0], mentions)
    bound = next((other.start for other in later if not _same(other, mention)), len(sentence))
    later = YEAR.search(sentence, mention.end, bound)
    return int(later.group("year")) if later else None


def _same(one: _Mention, other: _Mention) -> bool:
    """Two names of one venue, or of a conference and its workshops ("… Workshop (ECCVW)")."""
    return one.venue.short.removesuffix(" Workshops") == other.venue.short.removesuffix(" Workshops")


def _full_year(digits: str) -> int:
    if len(digits) == 4:
        return int(digits)
    return 1900 + int(digits) if int(digits) >= 80 else 2000 + int(digits)


def _spelling_pattern(spelling: str) -> str:
    words = [re.escape(word) for word in re.split(r"\s+", spelling.strip())]
    body = r"[\s-]+".join(words).replace(r"Transactions[\s-]+on", r"Trans(?:actions?|\.)(?:[\s-]+on)?")
    # letters may not run on ("ICCVW" is no ICCV); digits may ("CVPR2023")
    if len(words) == 1:
        return rf"(?<![A-Za-z]){body}(?![A-Za-z])"
    # nor may a longer name: "International Conference on Pattern Recognition and Artificial
    # Intelligence" is not ICPR
    return rf"(?<![A-Za-z])(?i:{body})(?![A-Za-z])(?!\s+(?:and|for|of|on|in)\s+[A-Z])"


def _kind_of(spelling: str) -> str:
    return JOURNAL if re.search(r"journal|transactions|letters", spelling, re.IGNORECASE) else CONFERENCE
