"""The Streamlit workbench: pages that call the postprod library and draw its results."""
