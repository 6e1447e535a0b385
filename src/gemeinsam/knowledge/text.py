"""German words for full-text search without a database: stemming and highlighted snippets.

SQLite's FTS5 has no German stemmer, so text is stemmed here (Snowball's German algorithm,
the same one PostgreSQL's `german` configuration uses) before it is indexed and queried.
"""

import html
import re
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"\w+")
# Sentinels for the start and end of a match: control characters that no document holds,
# so that the text can be HTML-escaped first and the <mark> tags put in after.
START, STOP = "\x02", "\x03"


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("german")


def stem(word: str) -> str:
    """The Snowball stem of one word, lower case, umlauts folded: Bäumen → baum."""
    return _stemmer().stemWord(word.lower())


def stems(text: str) -> list[str]:
    """The stems of all words of a text, in order."""
    return [stem(word) for word in WORD.findall(text or "")]


def stemmed(text: str) -> str:
    """A text as FTS5 indexes it: its stems separated by spaces."""
    return " ".join(stems(text))


def fts5_query(query: str) -> str:
    """A user's query as a safe FTS5 expression: every word stemmed and quoted, all required.

    Operators (AND, OR, NOT, *, -, quotes, parentheses) are not FTS5 syntax here but ignored
    punctuation or plain words, so that no query can raise a syntax error.
    """
    return " ".join(f'"{s}"' for s in dict.fromkeys(stems(query)))


def marked(text: str) -> str:
    """Text with sentinel-delimited matches as HTML: escaped, matches in <mark>."""
    return html.escape(text).replace(START, "<mark>").replace(STOP, "</mark>")


def snippet(text: str, wanted: Iterable[str], words: int = 30) -> str:
    """About `words` words of `text` around its first matching word, matches marked, as HTML.

    `wanted` are stems; a word matches when its stem is among them. Without a match, the
    start of the text.
    """
    wanted = set(wanted)
    tokens = list(WORD.finditer(text or ""))
    if not tokens:
        return ""
    first = next((i for i, t in enumerate(tokens) if stem(t.group()) in wanted), 0)
    begin = max(0, first - words // 3)
    end = min(len(tokens), begin + words)
    start_at = tokens[begin].start() if begin else 0
    stop_at = tokens[end - 1].end() if end < len(tokens) else len(text)
    parts, cursor = [], start_at
    for token in tokens[begin:end]:
        parts.append(text[cursor : token.start()])
        word = token.group()
        parts.append(f"{START}{word}{STOP}" if stem(word) in wanted else word)
        cursor = token.end()
    parts.append(text[cursor:stop_at])
    body = " ".join("".join(parts).split())
    return ("… " if begin else "") + marked(body) + (" …" if end < len(tokens) else "")
