"""An empty page: the baseline of the script-run ratios."""

import streamlit as st

st.title("Vacía")
