"""The report stage: formatting (tables.py), the document model (document.py: data only), layout
and notes, charts, analysis (savings.py, growth.py, sweep.py), renderers (html.py, markdown.py),
`output.Report` (save, Jupyter), one module per section (sections/) and the assembly
(monthly.py: `report`). docs/architecture.md has the import order."""
