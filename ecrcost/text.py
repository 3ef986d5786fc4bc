"""One sanitiser for every string that leaves ecrcost: terminal and log lines, Markdown, HTML, CSV.

Repository names, tags, policy text and AWS error messages are user- or attacker-controlled. Each
output format gets the one function that makes such a string inert there:

- `terminal(text)`: a single safe line. ANSI escape sequences (CSI ``ESC [ ... m``, OSC
  ``ESC ] ... BEL`` -- terminal titles, hyperlinks, clipboard writes) are removed, as are every
  other C0/C1 control character and the Unicode bidirectional overrides ("Trojan Source"); newlines,
  carriage returns and tabs become spaces, so a name cannot forge a second log line.
- `markdown(text)`: `terminal` plus Markdown escaping for a table cell or paragraph: ``\\ * [ ] |``
  are backslash-escaped (no link ``[x](javascript:...)``, no image ``![x](http://...)`` -- a
  tracking pixel in any viewer -- no bold, no broken table; a code span is harmless and kept), ``& < >`` become
  entities (no raw HTML, no autolink ``<http://...>``, no entity smuggling). Bare URLs stay text
  that some viewers make clickable; nothing is loaded from them.
- `html(text)`: control characters removed (tab, CR, LF kept), then ``html.escape`` (quotes too).
- `csv_cell(value)`: control characters removed (tab, CR, LF kept: the CSV writer quotes them); text
  a spreadsheet would evaluate as a formula (starting with ``= + - @``, tab or CR) is prefixed with
  a single quote. Non-strings are returned unchanged.

Examples::

    >>> terminal("app\\x1b]0;pwned\\x07\\x1b[31m red\\nline2")
    'app red line2'
    >>> markdown("![x](http://t.example/p.png)")
    '!\\\\[x\\\\](http://t.example/p.png)'
    >>> csv_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

# ESC-introduced sequences: CSI (ESC [ params final), OSC/DCS/PM/APC/SOS strings up to BEL or ST,
# and two-character escapes (ESC + one byte)
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC (terminated or not)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"  # 8-bit OSC
    r"|\x1b[ -~]?"  # any other escape
)
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
# C0 (but \n, which callers handle), DEL, C1, bidi embeddings/overrides/isolates
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_SPECIAL = re.compile(r"([\\*\[\]|])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_controls(text: str, keep_newlines: bool = False) -> str:
    """`text` without escape sequences and control characters (tab, CR and LF kept when asked)."""
    text = _ESCAPES.sub("", text)
    if keep_newlines:  # tabs, CR and LF stay (CSV quotes them; HTML shows them as spaces)
        return _CONTROLS.sub(lambda m: m.group() if m.group() in "\t\r" else "", text)
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text).replace("\n", " "))


def terminal(text: Any) -> str:
    """A string safe to print on a terminal or write as one log line (see the module docstring)."""
    return strip_controls(str(text))


def markdown(text: Any) -> str:
    """A string safe in a Markdown table cell, heading or paragraph (see the module docstring)."""
    t = terminal(text)
    t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", t)


def html(text: Any, quote: bool = True) -> str:
    """A string safe as HTML text or attribute value (see the module docstring)."""
    return _html.escape(strip_controls(str(text), keep_newlines=True), quote=quote)


def csv_cell(value: Any) -> Any:
    """A CSV cell value that no spreadsheet runs as a formula (see the module docstring)."""
    if not isinstance(value, str):
        return value
    risky = value.startswith(_FORMULA_START)
    value = strip_controls(value, keep_newlines=True)
    risky = risky or value.lstrip().startswith(_FORMULA_START)  # " =1" is a formula to some
    return "'" + value if risky else value


FORMULA_START = _FORMULA_START
