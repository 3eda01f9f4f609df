"""The MDT's periodic jobs, one module each (run by the worker on a clock)."""
