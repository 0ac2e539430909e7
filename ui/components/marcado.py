"""Text people typed (names, reasons, file and product names), shown literally inside Markdown.

st.markdown, st.caption, st.info and the like read their text as Markdown (links, bold, HTML tags,
LaTeX between $, GitHub's bare links): a name such as `[clic](http://x)` or `<a href=...>` must show
as those characters, never as a link. Only the signs that can start something are escaped, so
ordinary names and sentences ("Lic. Ana Ruiz (jefa)") read the same in the page's source; bare
links get an invisible word joiner, which a copy of the text keeps.
"""

from __future__ import annotations

import re

# Signs that open emphasis, code, links, images, HTML, tables, strikethrough, LaTeX and entities
# wherever they are. CommonMark shows a backslash-escaped ASCII sign as the sign itself.
_SIEMPRE = re.compile(r"([\\`*_\[\]<>|~$&])")
# GitHub's bare links ("www.x", "http://x.y", "a@b.c") and Streamlit's directives (":red[x]",
# ":material/x:") are found in the text after escapes are read, so no escape stops them: an invisible
# word joiner (U+2060) after "www", "@" and a colon before a letter or "//" does.
_ENLACE = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//|[a-z])|(?<=@)")
UNIR = "\u2060"
# Signs that open a heading, a list, a setext underline or a numbered list at the start of a line.
_INICIO = re.compile(r"^(\s*)([#+=-])")
_INICIO_NUMERO = re.compile(r"^(\s*\d+)([.)])")


def _linea(linea: str) -> str:
    linea = _SIEMPRE.sub(r"\\\1", linea)
    linea = _ENLACE.sub(UNIR, linea)
    linea = _INICIO.sub(r"\1\\\2", linea)
    return _INICIO_NUMERO.sub(r"\1\\\2", linea)


def md(texto: object) -> str:
    """`texto` escaped for Markdown: shown exactly as typed, its line breaks kept as line breaks."""
    if texto is None:
        return ""
    lineas = str(texto).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "  \n".join(_linea(linea) for linea in lineas)
