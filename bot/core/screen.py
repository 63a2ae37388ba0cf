"""The crisis screen's pattern language and the normalisation both sides go through.

Moderators write crisis phrases in checkin.yaml; each is a small pattern:

- words in sequence: `want to die` (whole words; case, accents and punctuation ignored);
- `...` (or `…`) between words: up to `GAP_WORDS` other words may come there:
  `not ... safe` matches "not safe", "don't feel safe", "do not feel very safe";
- `word*`: any word starting so: `kill*` matches kill, kills, killed, killing;
- `(a|b|c)`: any one of these words or short phrases: `(hurt|harm|cut) myself`.

The member's text and every pattern are normalised alike (`normalise`), so a pattern
written "don't feel safe" also matches "dont feel safe", "DO NOT FEEL SAFE" and
"i dooon’t feel safe". Nothing here decides *that* someone is in danger: a match only
means the crisis lines are shown first, which costs little when it was not needed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# How many other words `...` lets through.
GAP_WORDS = 4
GAP_MARKS = ("...", "…")
STEM_MARK = "*"

_APOSTROPHES = str.maketrans({c: "'" for c in "’‘`´ʼʻ′"})
# Apostrophe-less spellings people type, read as the full words.
_CONTRACTIONS = {
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "shant": "shall not",
    "aint": "am not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "mustnt": "must not",
    "neednt": "need not",
    "im": "i am",
    "ive": "i have",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
}
_NT = re.compile(r"(\w+)n't\b")
_WORD_SUFFIXES = re.compile(r"\b(i)'(m|ve|ll|d)\b")
_SUFFIX_WORDS = {"m": "am", "ve": "have", "ll": "will", "d": "would"}
_NOT_WORD = re.compile(r"[^\w*]+|_")
_REPEATS = re.compile(r"(\w)\1+")
_SYNTAX = re.compile(r"(\.\.\.|…|\(|\)|\|)")
_FORBIDDEN = re.compile(r"[\[\]{}?+\\^$<>=#@&%]")


class PatternError(ValueError):
    """A crisis phrase that is not a valid pattern; the message says what to write."""


def normalise(text: str) -> str:
    """Lower case, no accents, contractions spelt out, punctuation as spaces, repeated
    letters once ("sooo" → "so", and "kill" → "kil": patterns go through this too)."""
    return _squeeze(_words(text))


def _words(text: str, *, keep_stars: bool = False) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _NT.sub(_expand_nt, plain)
    plain = _WORD_SUFFIXES.sub(lambda m: f"{m[1]} {_SUFFIX_WORDS[m[2]]}", plain)
    plain = _NOT_WORD.sub(" ", plain) if keep_stars else re.sub(r"[\W_]+", " ", plain)
    return " ".join(_CONTRACTIONS.get(word, word) for word in plain.split())


def _expand_nt(match: re.Match[str]) -> str:
    stem = match[1]
    full = {"ca": "can", "wo": "will", "sha": "shall", "ai": "am"}.get(stem, stem)
    return f"{full} not"


def _squeeze(words: str) -> str:
    return _REPEATS.sub(r"\1", words)


@dataclass(frozen=True, slots=True)
class Screen:
    """Every crisis phrase of every locale as one compiled expression."""

    expression: re.Pattern[str] | None

    def matches(self, text: str) -> bool:
        if self.expression is None:
            return False
        normalised = normalise(text)
        return bool(normalised) and self.expression.search(f" {normalised} ") is not None


def compile_screen(patterns: Iterable[str]) -> Screen:
    """One expression for all the patterns; raises PatternError on the first bad one."""
    return _compiled(tuple(sorted(set(patterns))))


# A reload that leaves the phrases as they were keeps the screen it had.
@functools.lru_cache(maxsize=4)
def _compiled(patterns: tuple[str, ...]) -> Screen:
    parts = sorted({pattern_expression(p) for p in patterns})
    if not parts:
        return Screen(None)
    return Screen(re.compile("|".join(f"(?:{part})" for part in parts)))


def pattern_expression(pattern: str) -> str:
    """The regular expression for one pattern, matched against " normalised text "."""
    if _FORBIDDEN.search(pattern):
        found = _FORBIDDEN.search(pattern)
        assert found is not None
        raise PatternError(
            f"{found[0]!r} has no meaning here: write words, '...', '(a|b)' and 'word*'"
        )
    pieces: list[str] = []
    gap_before = False
    for token in _tokens(pattern):
        if token in GAP_MARKS:
            if not pieces or gap_before:
                raise PatternError("'...' must stand between two words")
            gap_before = True
            continue
        gap = f"(?:[^ ]+ ){{0,{GAP_WORDS}}}" if gap_before else ""
        pieces.append(gap + token)
        gap_before = False
    if gap_before:
        raise PatternError("'...' must stand between two words, not at the end")
    if not pieces:
        raise PatternError("the phrase has no words")
    return " " + " ".join(pieces) + " "


def _tokens(pattern: str) -> Iterable[str]:
    """Word, alternative and gap tokens, each already a piece of regular expression."""
    parts = [p for p in _SYNTAX.split(pattern) if p.strip()]
    index = 0
    while index < len(parts):
        part = parts[index].strip()
        if part in GAP_MARKS:
            yield GAP_MARKS[0]
        elif part == "(":
            close = _closing(parts, index)
            yield _alternatives(parts[index + 1 : close])
            index = close
        elif part in (")", "|"):
            raise PatternError(f"{part!r} outside '( )': write alternatives as (a|b)")
        else:
            yield from _word_run(part)
        index += 1


def _closing(parts: list[str], opening: int) -> int:
    for index in range(opening + 1, len(parts)):
        token = parts[index].strip()
        if token == ")":
            return index
        if token == "(" or token in GAP_MARKS:
            raise PatternError(f"{token!r} cannot stand inside '( )'")
    raise PatternError("'(' is never closed with ')'")


def _alternatives(inner: list[str]) -> str:
    choices: list[str] = []
    current: list[str] = []
    for token in [*inner, "|"]:
        if token.strip() == "|":
            words = " ".join(current).strip()
            if not words:
                raise PatternError("an alternative in '( )' is empty")
            choices.append(" ".join(_word_run(words)))
            current = []
        else:
            current.append(token)
    return "(?:" + "|".join(sorted(set(choices))) + ")"


def _word_run(text: str) -> list[str]:
    words = _words(text, keep_stars=True).split()
    if not words:
        raise PatternError(f"{text.strip()!r} has no letters or digits")
    return [_word(word) for word in words]


def _word(word: str) -> str:
    stem = word.endswith(STEM_MARK)
    core = word.rstrip(STEM_MARK)
    if STEM_MARK in core or not core:
        raise PatternError(f"'*' goes at the end of a word, as in 'kill*' (not {word!r})")
    literal = re.escape(_squeeze(core))
    return literal + "[^ ]*" if stem else literal
