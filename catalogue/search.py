"""Catalogue search across English, Chinese and Malay (pure: no Django).

Two halves, used by ``catalogue.services.product_refresh_search_vector`` (the document) and
``catalogue.selectors`` (the query):

- ``document_text``: the text of a product field as the stored vector indexes it. PostgreSQL's
  ``simple`` configuration splits words at spaces and punctuation, which Chinese does not
  have, so Chinese runs are segmented by jieba (in search mode: "价格指数" is indexed as
  "价格", "指数" and "价格指数") and joined with spaces.
- ``parse``: the buyer's words in web-search syntax (``a b``, ``a or b``, ``-a``,
  ``"a phrase"``), Chinese segmented the same way, each plain word widened to its synonyms
  in the three languages (``SYNONYMS``: "footfall" finds "foot traffic", "pelawat" and
  "客流") and matched as a prefix from four letters (so "port" finds "ports"; an English
  plural finds its singular). ``tsquery`` renders it for PostgreSQL
  (``to_tsquery('simple', …)``); the SQLite fallback reads the same parsed terms.
"""

import logging
import re
from dataclasses import dataclass, field

import jieba

jieba.setLogLevel(logging.WARNING)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"\w+")
MAX_TERMS = 8

# The catalogue's vocabulary: each group names one idea in English, Malay and Chinese.
# A word or phrase of the query finds every other member of its group.
SYNONYMS: list[tuple[str, ...]] = [
    (
        "footfall",
        "foot traffic",
        "visitor",
        "visitors",
        "visitor counts",
        "pelawat",
        "pengunjung",
        "kunjungan",
        "客流",
        "客流量",
        "人流",
        "人流量",
    ),
    ("shop", "shops", "store", "stores", "kedai", "商店", "门店", "店铺"),
    ("retail", "runcit", "peruncitan", "零售"),
    (
        "mall",
        "malls",
        "shopping centre",
        "shopping center",
        "pusat membeli-belah",
        "商场",
        "购物中心",
    ),
    ("port", "ports", "harbour", "harbor", "pelabuhan", "港口", "港"),
    ("shipping", "maritime", "perkapalan", "penghantaran", "航运", "海运"),
    ("route", "routes", "laluan", "航线", "路线"),
    ("dwell", "dwell time", "masa menunggu", "tempoh singgah", "停留", "停留时间", "停泊"),
    ("container", "containers", "kontena", "集装箱"),
    ("price", "prices", "harga", "价格"),
    ("index", "indices", "indexes", "indeks", "指数"),
    ("export", "exports", "eksport", "出口"),
    ("import", "imports", "import", "进口"),
    ("electronics", "electronic", "elektronik", "电子"),
    ("consumer", "consumers", "pengguna", "消费者", "消费"),
    ("trend", "trends", "tren", "趋势"),
    ("language", "languages", "bahasa", "语言"),
    ("corpus", "korpus", "语料", "语料库"),
    ("robot", "robots", "robotics", "robotik", "机器人"),
    ("cleaning", "pembersihan", "清洁"),
    ("layout", "floor plan", "susun atur", "pelan lantai", "布局", "平面图"),
    ("supply chain", "rantaian bekalan", "供应链"),
    ("logistics", "logistik", "物流"),
    ("hourly", "setiap jam", "每小时"),
    ("statistics", "statistik", "统计"),
    ("trade", "perdagangan", "贸易"),
    ("kuala lumpur", "kl", "吉隆坡"),
    ("malaysia", "malaysian", "马来西亚"),
    ("singapore", "singapura", "新加坡"),
    ("shenzhen", "深圳"),
    ("china", "chinese", "中国"),
]

for _group in SYNONYMS:
    for _word in _group:
        if CJK.fullmatch(_word):
            jieba.add_word(_word)


def _words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


_GROUP_OF: dict[tuple[str, ...], int] = {}
for _index, _group in enumerate(SYNONYMS):
    for _phrase in _group:
        _GROUP_OF.setdefault(tuple(_words(_phrase)), _index)
_LONGEST = max(len(key) for key in _GROUP_OF)


def segment(text: str, *, for_search: bool = False) -> str:
    """The text with every Chinese run split into words by spaces (other scripts as they are)."""
    cut = jieba.cut_for_search if for_search else jieba.cut

    def split(match: re.Match) -> str:
        return " " + " ".join(w for w in cut(match.group(0)) if w.strip()) + " "

    return re.sub(r"\s+", " ", CJK.sub(split, text or "")).strip()


def document_text(text: str) -> str:
    """A field's text as the stored search vector indexes it (Chinese segmented)."""
    return segment(text, for_search=True)


@dataclass(frozen=True)
class Term:
    """One query word (or phrase) and what it may match: alternatives, each a sequence of
    words (a phrase); ``negated`` for ``-word``."""

    alternatives: tuple[tuple[str, ...], ...]
    negated: bool = False


@dataclass
class Parsed:
    """Disjunctive normal form: any clause matches, a clause needs all its terms."""

    clauses: list[list[Term]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(self.clauses)


def _alternatives(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    group = _GROUP_OF.get(words)
    found = [words]
    if group is not None:
        for phrase in SYNONYMS[group]:
            key = tuple(_words(phrase))
            if key and key not in found:
                found.append(key)
    # A prefix already finds its longer forms ("port" finds "ports"): one alternative each,
    # so that no word counts twice towards the rank.
    prefixes = [a[0] for a in found if len(a) == 1 and len(a[0]) >= 4 and not CJK.search(a[0])]
    return tuple(
        a
        for a in found
        if not (len(a) == 1 and any(a[0] != p and a[0].startswith(p) for p in prefixes))
    )


def _singular(word: str) -> str:
    """English plurals find their singular too ("routes" → "route", "indices" stays)."""
    if CJK.search(word) or len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    return word[:-1]


def _plain_terms(text: str, negated: bool) -> list[Term]:
    """Plain words of the query: Chinese segmented; known phrases ("foot traffic",
    "pusat membeli-belah") kept together and widened to their synonyms."""
    words = _words(segment(text))
    terms: list[Term] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST, len(words) - i), 0, -1):
            key = tuple(words[i : i + size])
            if size == 1 or key in _GROUP_OF:
                break
        alternatives = _alternatives(key)
        if size == 1 and key not in _GROUP_OF and _singular(key[0]) != key[0]:
            singular = (_singular(key[0]),)
            alternatives = _alternatives(singular) if singular in _GROUP_OF else (singular,)
        terms.append(Term(alternatives if not negated else (key,), negated=negated))
        i += size
    return terms


TOKEN = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')


def parse(text: str) -> Parsed:
    """The query in web-search syntax: words (all needed), ``or`` between them, ``-word`` to
    exclude, ``"a phrase"`` for words in that order."""
    parsed = Parsed(clauses=[[]])
    plain: list[str] = []  # consecutive plain words, read together for known phrases

    def add(terms: list[Term]) -> None:
        for term in terms:
            if sum(len(c) for c in parsed.clauses) < MAX_TERMS:
                parsed.clauses[-1].append(term)

    def flush() -> None:
        if plain:
            add(_plain_terms(" ".join(plain), negated=False))
            plain.clear()

    for match in TOKEN.finditer(text or ""):
        minus, quoted, bare = match.groups()
        if bare is not None and bare.lower() == "or":
            flush()
            if parsed.clauses[-1]:
                parsed.clauses.append([])
        elif quoted is not None:
            flush()
            words = tuple(_words(segment(quoted)))
            add([Term((words,), negated=bool(minus))] if words else [])
        elif bare.startswith("-") and len(bare) > 1:
            flush()
            add(_plain_terms(bare[1:], negated=True))
        else:
            plain.append(bare)
    flush()
    parsed.clauses = [c for c in parsed.clauses if c]
    return parsed


def _lexeme(word: str, *, prefix: bool) -> str:
    quoted = "'" + word.replace("'", "''").replace("\\", "") + "'"
    # Prefixes from four letters: "port" finds "ports", but "kl" does not find "Klang".
    return f"{quoted}:*" if prefix and len(word) >= 4 and not CJK.search(word) else quoted


def _phrase(words: tuple[str, ...], *, prefix: bool) -> str:
    last = len(words) - 1
    return " <-> ".join(_lexeme(w, prefix=prefix and i == last) for i, w in enumerate(words))


def tsquery(parsed: Parsed) -> str:
    """The parsed query as ``to_tsquery('simple', …)`` text ("" when nothing to look for)."""
    clauses = []
    for clause in parsed.clauses:
        parts = []
        for term in clause:
            options = [_phrase(a, prefix=not term.negated) for a in term.alternatives]
            body = options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"
            parts.append(f"!({body})" if term.negated else body)
        clauses.append("(" + " & ".join(parts) + ")")
    return " | ".join(clauses)
