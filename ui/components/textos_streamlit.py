"""Spanish for the texts Streamlit's frontend writes in English, where CSS can reach them.

Streamlit has no language setting. Its texts live in the browser's DOM, so a style sheet sent once
per run (app.py) hides each English text and writes the Spanish one in its place. The selectors
were read off Streamlit 1.67's DOM in Chromium; what CSS cannot reach is listed in README.md
(«Textos de Streamlit en inglés»). The original text is hidden with `font-size: 0`, and the
Spanish one is generated content, which Chromium's accessibility tree also reads.
The style sheet must not contain "<" followed by a letter: the frontend's HTML sanitiser then drops
the whole <style> element.
"""

from __future__ import annotations

import streamlit as st

CSS = """<style>
/* This style sheet's own place in the sidebar takes no room. */
[data-testid="stSidebar"] [data-testid="stElementContainer"]:has(style) { display: none; }

/* Not a text, the one layout rule of the frame: the main area starts 2.5rem from the top instead of
   Streamlit's 6rem, so on the offices' 768 px high screens Paso 6's grid starts higher. */
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }

/* File uploader: the "Upload" button and the "110MB per file • PDF" line. */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "Elegir archivo"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "Arrastre el archivo aquí o presione «Elegir archivo»"; font-size: 0.875rem; }

/* "Press Enter to apply" in a text box; in a form "Press Enter to submit form"; in a text area
   "Press Ctrl+Enter to apply" or "... to submit form". The character counter (max_chars) is the
   next span and stays. */
[data-testid="InputInstructions"] > span:first-child { font-size: 0; }
[data-testid="InputInstructions"] > span:first-child::after { content: "Enter para aplicar"; font-size: 0.75rem; }
[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "Enter para enviar el formulario"; }
[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "Ctrl+Enter para aplicar"; }
[data-testid="stForm"] [data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "Ctrl+Enter para enviar el formulario"; }

/* "No results" in a select box's list when nothing matches what was typed. */
[role="listbox"][data-empty="true"] [role="option"] > span { font-size: 0; }
[role="listbox"][data-empty="true"] [role="option"] > span::after { content: "Sin resultados"; font-size: 0.875rem; }

/* "Connection error": a dialog without Streamlit elements inside (the app's own dialogs hold a block
   of them) while the app is not connected ("Page not found" has the same dialog, but connected).
   Its title and text are replaced; the close button stays. */
body:has([data-testid="stApp"]:not([data-test-connection-state="CONNECTED"]))
  [data-testid="stDialog"]:not(:has([data-testid="stVerticalBlock"])) section[role="dialog"] > h2 { font-size: 0; }
body:has([data-testid="stApp"]:not([data-test-connection-state="CONNECTED"]))
  [data-testid="stDialog"]:not(:has([data-testid="stVerticalBlock"])) section[role="dialog"] > h2::after {
  content: "Sin conexión con el servidor"; font-size: 1.5rem; }
body:has([data-testid="stApp"]:not([data-test-connection-state="CONNECTED"]))
  [data-testid="stDialog"]:not(:has([data-testid="stVerticalBlock"])) section[role="dialog"] > h2 + div > div {
  font-size: 0; }
body:has([data-testid="stApp"]:not([data-test-connection-state="CONNECTED"]))
  [data-testid="stDialog"]:not(:has([data-testid="stVerticalBlock"])) section[role="dialog"] > h2 + div > div::after {
  content: "El servidor no responde. Espere un momento: la página intenta volver a conectarse sola. "
           "Si el aviso no desaparece en unos minutos, avise a la División.";
  font-size: 1rem; }
</style>"""


def traducir() -> None:
    """Send the style sheet; once per run, from app.py.

    As an element of the sidebar, not st.html: st.html sends a style-only block to the event
    container, which the browser empties when the connection drops, exactly when the
    "Connection error" dialog needs the style. The sidebar's elements stay on screen then.
    """
    st.sidebar.markdown(CSS, unsafe_allow_html=True)
