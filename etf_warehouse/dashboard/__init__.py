"""Read-only queries behind the Streamlit dashboard (dashboard/app.py)."""
