"""portal operations: one module each."""
