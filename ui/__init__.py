"""Streamlit helpers shared by app.py and the pages: resources, the sign-in guard, widgets."""
