"""Chinese-aware tokens for the PostgreSQL engine, with rjieba and a domain dictionary.

Index side: jieba's search-mode words (whole dictionary terms and their sub-words), CJK character bigrams
(so a fragment such as 单晶炉 still finds 大热场单晶炉), and ASCII words with model numbers kept three ways
(JW-800 → jw800, jw, 800). Query side: each query word becomes a term that matches the word (as a prefix),
its synonyms, or all of its bigrams. Synonyms are the catalog's and the Chinese–English equipment table
(search/synonyms.py); a synonym of several words (air compressor) matches when all of them do, and a run of
query words that is such a synonym (machine tool) is one term.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import rjieba

from search.synonyms import EQUIPMENT_SYNONYMS, with_equipment_synonyms

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[-_./][a-z0-9]+)*")
_LEXEME_OK = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
MAX_QUERY_TERMS = 12
# The longest run of query words looked up as one multi-word synonym (variable frequency drive).
MAX_PHRASE_WORDS = 4
_QUERY_PIECE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[-_./][a-z0-9]+)*")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _ascii_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for word in _ASCII_WORD.findall(text):
        parts = re.split(r"[-_./]", word)
        compact = "".join(parts)
        tokens.append(compact)
        if len(parts) > 1:
            tokens.extend(p for p in parts if p)
    return tokens


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]


def _compact(word: str) -> str:
    """An ASCII word as it is indexed whole: JW-800 → jw800."""
    return "".join(p for p in re.split(r"[-_./]", word) if p)


def _lexemes(alternative: str) -> list[str]:
    """A (normalised) synonym as the index lexemes that must all be present: CJK runs whole, ASCII words
    compacted (air compressor → air, compressor; 3D打印 → 3d, 打印)."""
    return [
        piece if _CJK.fullmatch(piece) else _compact(piece) for piece in _QUERY_PIECE.findall(alternative)
    ]


@dataclass
class QueryTerm:
    """One word of a query: a document matches it through any of `alternatives` (prefix), all the words of
    any of `phrases` (each a prefix), or all `bigrams`."""

    word: str
    alternatives: list[str]
    bigrams: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)


class Segmenter:
    def __init__(
        self, dictionary: Iterable[str] = (), synonyms: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self._jieba = rjieba.Jieba()
        # The synonym table's Chinese words are dictionary words too, so a query keeps 空压机 whole.
        equipment_words = [word for group in EQUIPMENT_SYNONYMS for word in group]
        for word in dict.fromkeys([*dictionary, *equipment_words]):
            word = normalize(word).strip()
            if _CJK.fullmatch(word) and len(word) > 1:
                self._jieba.add_word(word, None, None)
        self.synonyms: dict[str, list[str]] = {}
        for word, alternatives in with_equipment_synonyms(synonyms or {}).items():
            # Keyed as a query spells it: AS/RS → asrs, Machine Tool → "machine tool".
            key = normalize(word)
            key = key if _CJK.fullmatch(key) else " ".join(_lexemes(key))
            self.synonyms.setdefault(key, [])
            for alt in alternatives:
                alt = normalize(alt)
                if alt != key and alt not in self.synonyms[key]:
                    self.synonyms[key].append(alt)
        # Multi-word ASCII synonyms, by their compacted words: the runs of query words to look up whole.
        self._phrases = {key for key in self.synonyms if " " in key and key.isascii()}

    def index_tokens(self, text: str, *, bigrams: bool = True) -> list[str]:
        """Lexemes for a document field (duplicates removed, order kept). Long prose can skip the bigrams:
        they are what makes fragments match, and they triple the size of a long text's vector."""
        text = normalize(text)
        tokens: list[str] = []
        for run in _CJK.findall(text):
            tokens.extend(w for w in self._jieba.cut_for_search(run, False) if _CJK.fullmatch(w))
            if bigrams:
                tokens.extend(_bigrams(run))
        tokens.extend(_ascii_tokens(text))
        return [t for t in dict.fromkeys(tokens) if _LEXEME_OK.match(t)]

    def query_terms(self, query: str) -> list[QueryTerm]:
        """The query's words, each with its synonyms (an empty list for a query of only punctuation)."""
        text = normalize(query)
        terms: list[QueryTerm] = []
        pieces = list(_QUERY_PIECE.finditer(text))
        at = 0
        while at < len(pieces):
            piece = pieces[at].group(0)
            if _CJK.fullmatch(piece):
                terms.extend(self._cjk_terms(piece))
                at += 1
                continue
            words = self._phrase_at(text, pieces, at)
            if len(words) > 1:
                key = " ".join(words)
                phrase = self._term(key, own=[])
                phrase.phrases.insert(0, words)
                terms.append(phrase)
            else:
                terms.append(self._term(words[0]))
            at += len(words)
        unique = {t.word: t for t in terms}
        return list(unique.values())[:MAX_QUERY_TERMS]

    def _cjk_terms(self, piece: str) -> list[QueryTerm]:
        terms: list[QueryTerm] = []
        singles = ""
        for word in [*self._jieba.cut(piece, False), ""]:
            if len(word) == 1:
                singles += word  # jieba left these unjoined: treat the run as one word
                continue
            if singles:
                terms.append(self._term(singles, bigrams=_bigrams(singles) if len(singles) > 1 else []))
                singles = ""
            if word:
                terms.append(self._term(word, bigrams=_bigrams(word) if len(word) > 2 else []))
        return terms

    def _phrase_at(self, text: str, pieces: list[re.Match[str]], at: int) -> list[str]:
        """The compacted ASCII words from `pieces[at]` on that form the longest multi-word synonym, apart
        only by spaces; just the one word when none does."""
        run = [_compact(pieces[at].group(0))]
        for nxt in range(at + 1, min(at + MAX_PHRASE_WORDS, len(pieces))):
            piece = pieces[nxt]
            if _CJK.fullmatch(piece.group(0)) or text[pieces[nxt - 1].end() : piece.start()].strip():
                break
            run.append(_compact(piece.group(0)))
        for size in range(len(run), 1, -1):
            if " ".join(run[:size]) in self._phrases:
                return run[:size]
        return run[:1]

    def _term(
        self, word: str, *, bigrams: list[str] | None = None, own: list[str] | None = None
    ) -> QueryTerm:
        alternatives = [word] if own is None else own
        phrases: list[list[str]] = []
        for alt in self.synonyms.get(word, []):
            # A CJK synonym is matched whole (it is in the dictionary); an ASCII one in its compact form,
            # and one of several words when all of them are there.
            lexemes = [x for x in _lexemes(alt) if _LEXEME_OK.match(x)]
            if len(lexemes) == 1 and lexemes[0] not in alternatives:
                alternatives.append(lexemes[0])
            elif len(lexemes) > 1 and lexemes not in phrases:
                phrases.append(lexemes)
        return QueryTerm(
            word=word,
            alternatives=[a for a in alternatives if _LEXEME_OK.match(a)],
            bigrams=bigrams or [],
            phrases=phrases,
        )
