"""PDF reports built from plain data (no Streamlit, no DuckDB): the preliminary and the final report."""

from reports.reporte import DatosReporte, Firmante, reporte_final, reporte_preliminar

__all__ = ["DatosReporte", "Firmante", "reporte_final", "reporte_preliminar"]
