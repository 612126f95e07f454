"""Read-only queries for pages and dashboards; every one takes the viewer and stays in their reach."""
