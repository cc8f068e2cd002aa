"""Pages of the Streamlit app (UI only: every figure comes from ``planner``)."""
