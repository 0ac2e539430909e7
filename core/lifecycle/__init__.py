"""Where an OOAD/UMAE's declaration stands in a period, and what may happen next: periods and
their window, declaration, finalize, final versions and their folio, reopening and its requests,
signed PDFs, the paper receipt, the comparison of versions and the guide's tablero."""
