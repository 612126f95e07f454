"""Monitoring and assessment tools: reads and writes of each form, always scoped to the viewer."""
