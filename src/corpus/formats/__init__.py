"""Readers and writers, one module per format.

Each module documents the specification it follows and what it cannot carry.
"""
