"""Post-processing: when to stop generating, and how to clean raw model text before showing it."""
