"""Experiments: replications from one master seed, executors, and result storage."""
