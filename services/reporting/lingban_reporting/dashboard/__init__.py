"""The leaders' dashboard (领导驾驶舱) and the printable bulletin page.

Static HTML + JavaScript modules served by the reporting service; the pages call
the query API with the viewer's bearer token, so they show only what the API lets
that viewer see. Apache ECharts comes from the npm lock in services/reporting/web.
"""
