r"""Literal pre-filters for regular expressions, so that a classifier runs few of its patterns on a text.

A pattern that is the alternation of many terms (`(?<!\w)(?:a)(?!\w)|(?<!\w)(?:b)(?!\w)|...`) gets, per
term, sets of lower-case strings read from the parsed pattern, such that every match of the term holds one
string of each set (`cyber` for `cyber[\s-]?secur\w*`; `regulation`, `no` and `15` for
`UN Regulations? No\.?\s?15[56]`). For a text, only the terms whose strings occur in it are kept
(`Matcher.kept`), and the pattern is run as the alternation of those terms, in their order
(`Matcher.narrowed`), on the parts of the text that hold them (`Matcher.may_match`). A term left out cannot
match there, so every match (the first one, and each one `finditer` gives) is the one the full pattern
gives: results are the same as with the full pattern, only found sooner.

Texts are compared folded (`fold`): lower case, and the three letters that `re.IGNORECASE` takes for an
ASCII one though `str.lower` does not made ASCII. With the optional `pyahocorasick` package, one
Aho-Corasick pass over a text finds all the first strings of the patterns given to `automaton` at once;
without it, each string is searched for. Either way the same strings are found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Any, Protocol, TypeVar

_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
_REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)


def fold(text: str) -> str:
    """Text as the pre-filters compare it: lower case, and the three letters that `re.IGNORECASE` takes
    for an ASCII one though `str.lower` does not (U+0130, U+0131, U+017F) made ASCII."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def _rarity(text: str) -> int:
    """How seldom a text holds `text`, roughly: its length, digits and punctuation counting thrice."""
    return sum(1 if char.isalpha() or char == " " else 3 for char in text)


def _required(items: Any) -> list[frozenset[str]]:
    """Sets of strings (lower case, two characters or more): every match of the parsed pattern `items`
    holds one string of each set."""
    found: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= 2:
            found.append(frozenset(["".join(run)]))
        run.clear()

    for op, arg in items:
        if op is _constants.LITERAL and chr(arg).isascii() and chr(arg) != "_":
            run.append(chr(arg).lower())
            continue
        flush()  # anything else ends the run of literal characters
        if op is _constants.SUBPATTERN:
            found += _required(arg[-1])
        elif op is _constants.BRANCH:
            best = [_best(_required(branch)) for branch in arg[1]]
            if all(best):
                found.append(frozenset().union(*(b for b in best if b)))
        elif op in _REPEATS and arg[0] >= 1:
            found += _required(arg[2])
    flush()
    return found


def _best(sets: list[frozenset[str]]) -> frozenset[str] | None:
    return max(sets, key=lambda s: (min(map(_rarity, s)), -len(s)), default=None)


def _alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regular expression's source: `a|(b|c)|[|]` -> `a`, `(b|c)`, `[|]`."""
    parts: list[str] = []
    depth, start, index, size = 0, 0, 0, len(source)
    while index < size:
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":  # a class: skip to its end (`]` first in it is literal)
            index += 2 if source.startswith("[^", index) else 1
            index += 1 if source.startswith("]", index) else 0
            while index < size and source[index] != "]":
                index += 2 if source[index] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
        index += 1
    parts.append(source[start:])
    return parts


class Clause(Protocol):
    """A piece of text to run a pattern on: as printed, with some words blanked out, and folded."""

    @property
    def text(self) -> str: ...

    @property
    def masked(self) -> str: ...

    @property
    def folded(self) -> str: ...


C = TypeVar("C", bound=Clause)


class Context:
    """One notification's clauses for the pre-filters: their folded text, joined (`whole`); with the
    Aho-Corasick automaton, the terms whose first pre-filter set has a string in them, by matcher
    (`candidates`); and the terms kept, by matcher."""

    def __init__(self, whole: str, present: Iterable[str] | None = None):
        self.whole = whole
        self.candidates: dict[int, set[int]] | None = None
        if present is not None:
            candidates: dict[int, set[int]] = {}
            for string in present:
                for matcher, term in _ANCHORS[string]:
                    candidates.setdefault(matcher, set()).add(term)
            self.candidates = candidates
        self.kept: dict[int, tuple[int, ...]] = {}


def holds(needs: tuple[tuple[str, ...], ...], folded: str) -> bool:
    """Whether the text holds one string of each set."""
    for strings in needs:
        for string in strings:
            if string in folded:
                break
        else:
            return False
    return True


_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")  # `(?i)`: only allowed at the start of a whole pattern


class Matcher:
    """A pattern with the pre-filters of its terms."""

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.parts = _alternatives(pattern.pattern)
        try:
            if (
                pattern.flags & re.VERBOSE
                or "(?P=" in pattern.pattern
                or any(_GLOBAL_FLAGS.match(part) for part in self.parts)
            ):
                raise ValueError("kept whole")
            compiled = [re.compile(part, pattern.flags) for part in self.parts]
            if sum(part.groups for part in compiled) != pattern.groups or any(
                part.groupindex for part in compiled
            ):
                raise ValueError("kept whole")
            parsed = [_parser.parse(part, pattern.flags) for part in self.parts]
        except (ValueError, re.error):  # a pattern that does not split cleanly is one term
            self.parts, parsed = [pattern.pattern], [_parser.parse(pattern.pattern, pattern.flags)]
        self.needs: list[tuple[tuple[str, ...], ...]] = []  # per term: the sets, rarest first
        for tree in parsed:
            sets = sorted(set(_required(tree)), key=lambda s: (-min(map(_rarity, s)), len(s)))
            self.needs.append(tuple(tuple(sorted(s, key=_rarity, reverse=True)) for s in sets[:3]))
        # The first set's strings, each with the terms it lets through; terms with no set always pass.
        anchors: dict[str, list[int]] = {}
        for index, needs in enumerate(self.needs):
            for string in needs[0] if needs else ():
                anchors.setdefault(string, []).append(index)
        self.anchors = tuple((string, tuple(terms)) for string, terms in anchors.items())
        self.always = tuple(index for index, needs in enumerate(self.needs) if not needs)
        self.found = False  # whether the automaton finds the first set's strings
        self.compiled: dict[tuple[int, ...], re.Pattern[str]] = {}

    def kept(self, context: Context) -> tuple[int, ...]:
        """The terms that may match somewhere in the notification."""
        found = context.kept.get(id(self))
        if found is not None:
            return found
        needs, whole = self.needs, context.whole
        if context.candidates is not None and self.found:
            found_terms = context.candidates.get(id(self))
            if found_terms is None and not self.always:
                context.kept[id(self)] = ()
                return ()
            candidates = (found_terms or set()).union(self.always)
        else:
            candidates = set(self.always)
            for string, terms in self.anchors:
                if string in whole:
                    candidates.update(terms)
        kept = tuple(index for index in sorted(candidates) if holds(needs[index][1:], whole))
        context.kept[id(self)] = kept
        return kept

    def narrowed(self, kept: tuple[int, ...]) -> re.Pattern[str]:
        """The pattern made of the terms `kept` only."""
        found = self.compiled.get(kept)
        if found is None:
            if len(kept) == len(self.parts):
                found = self.pattern
            else:
                found = re.compile("|".join(self.parts[index] for index in kept), self.pattern.flags)
            self.compiled[kept] = found
        return found

    def may_match(self, kept: tuple[int, ...], folded: str) -> bool:
        """Whether a clause (folded) may hold a match of one of the `kept` terms."""
        needs = self.needs
        return any(holds(needs[index], folded) for index in kept)

    def matches(
        self, clauses: Sequence[C], context: Context, *, masked: bool = False
    ) -> Iterator[tuple[C, re.Match[str]]]:
        """`finditer` on each clause in turn (on its masked text if asked)."""
        kept = self.kept(context)
        if not kept:
            return
        finditer = self.narrowed(kept).finditer
        for clause in clauses:
            if self.may_match(kept, clause.folded):
                for match in finditer(clause.masked if masked else clause.text):
                    yield clause, match


# By the pattern's id (hashing a compiled pattern hashes its whole code); the pattern is kept to check.
_MATCHERS: dict[int, tuple[re.Pattern[str], Matcher]] = {}


def matcher(pattern: re.Pattern[str]) -> Matcher:
    found = _MATCHERS.get(id(pattern))
    if found is None or found[0] is not pattern:
        found = _MATCHERS[id(pattern)] = (pattern, Matcher(pattern))
    return found[1]


try:
    import ahocorasick
except ImportError:  # pragma: no cover - the optional accelerator is absent
    ahocorasick = None

_AUTOMATON: list[Any] = []  # built on first use
_ANCHORS: dict[str, list[tuple[int, int]]] = {}  # first-set string -> (matcher id, term) it lets through


def automaton(patterns: Iterable[re.Pattern[str]]) -> Any:
    """The Aho-Corasick automaton of the first-set strings of `patterns` (built on the first call; later
    calls return it), or None without `pyahocorasick`. Other patterns are pre-filtered by searching."""
    if not _AUTOMATON:
        found = None
        if ahocorasick is not None:
            for pattern in patterns:
                each = matcher(pattern)
                for string, terms in each.anchors:
                    _ANCHORS.setdefault(string, []).extend((id(each), term) for term in terms)
                each.found = True
            found = ahocorasick.Automaton()
            for string in sorted(_ANCHORS):
                found.add_word(string, string)
            found.make_automaton()
        _AUTOMATON.append(found)
    return _AUTOMATON[0]


def context(whole: str, patterns: Iterable[re.Pattern[str]]) -> Context:
    """The context of a folded text for the pre-filters."""
    found = automaton(patterns)
    return Context(whole, None if found is None else {s for _, s in found.iter(whole)})
