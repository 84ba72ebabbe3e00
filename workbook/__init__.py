"""Builds, refreshes and checks model workbooks; hosts the ``kc`` command."""
