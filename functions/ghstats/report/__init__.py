"""The run's report: one self-contained HTML file (runs/<id>/report.html, latest/report.html).

Collectors contribute their own sections (a collector's `report`, in its folder) as plain data —
figures, tables, charts (`blocks`); the engine adds coverage, the run and the trends across runs
(`run_sections`), and `render` turns it all into HTML with Jinja2, the charts drawn as inline SVG
by pygal. No script, style or font is fetched from anywhere: the file opens offline.
"""
