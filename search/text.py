"""Chinese-aware tokens for the PostgreSQL engine, with rjieba and a domain dictionary.

Index side: jieba's search-mode words (whole dictionary terms and their sub-words), CJK character bigrams
(so a fragment such as 单晶炉 still finds 大热场单晶炉), and ASCII words with model numbers kept three ways
(JW-800 → jw800, jw, 800). Query side: each query word becomes a term that matches the word (as a prefix),
its synonyms, or all of its bigrams.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import rjieba

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[-_./][a-z0-9]+)*")
_LEXEME_OK = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
MAX_QUERY_TERMS = 12


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


@dataclass
class QueryTerm:
    """One word of a query: a document matches it through any of `alternatives` (prefix) or all `bigrams`."""

    word: str
    alternatives: list[str]
    bigrams: list[str] = field(default_factory=list)


class Segmenter:
    def __init__(
        self, dictionary: Iterable[str] = (), synonyms: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self._jieba = rjieba.Jieba()
        for word in dictionary:
            word = normalize(word).strip()
            if _CJK.fullmatch(word) and len(word) > 1:
                self._jieba.add_word(word, None, None)
        self.synonyms: dict[str, list[str]] = {}
        for word, alternatives in (synonyms or {}).items():
            key = normalize(word)
            self.synonyms.setdefault(key, [])
            for alt in alternatives:
                alt = normalize(alt)
                if alt != key and alt not in self.synonyms[key]:
                    self.synonyms[key].append(alt)

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
        for match in re.finditer(
            r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[-_./][a-z0-9]+)*", text
        ):
            piece = match.group(0)
            if _CJK.fullmatch(piece):
                singles = ""
                for word in [*self._jieba.cut(piece, False), ""]:
                    if len(word) == 1:
                        singles += word  # jieba left these unjoined: treat the run as one word
                        continue
                    if singles:
                        terms.append(
                            self._term(singles, bigrams=_bigrams(singles) if len(singles) > 1 else [])
                        )
                        singles = ""
                    if word:
                        terms.append(self._term(word, bigrams=_bigrams(word) if len(word) > 2 else []))
            else:
                parts = [p for p in re.split(r"[-_./]", piece) if p]
                terms.append(self._term("".join(parts)))
        unique = {t.word: t for t in terms}
        return list(unique.values())[:MAX_QUERY_TERMS]

    def _term(self, word: str, *, bigrams: list[str] | None = None) -> QueryTerm:
        alternatives = [word]
        for alt in self.synonyms.get(word, []):
            # A CJK synonym is matched whole (it is in the dictionary); an ASCII one in its compact form.
            token = alt if _CJK.fullmatch(alt) else "".join(_ascii_tokens(alt)[:1])
            if token and token not in alternatives:
                alternatives.append(token)
        return QueryTerm(
            word=word, alternatives=[a for a in alternatives if _LEXEME_OK.match(a)], bigrams=bigrams or []
        )
