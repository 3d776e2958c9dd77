"""The dashboard traders and finance open: one self-contained HTML page of interactive charts over the marts.

`mart_reads` reads what is shown from the warehouse, `alerts` decides what puts the company at risk,
`charts` builds the Plotly figures and `page` renders the page. No Dagster here: the asset
`reports/dashboard` (assets/reports.py) calls `build_dashboard` and writes the file.
"""
