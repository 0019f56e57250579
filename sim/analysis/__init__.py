"""Analysis: statistics across replications (means, confidence intervals)."""
