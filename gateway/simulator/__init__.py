"""Simulated agency e-office systems, for demos and tests."""
