"""Renderers: tables, charts, HTML, and the monthly report."""
