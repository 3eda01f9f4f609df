"""portal jobs: one module each."""
