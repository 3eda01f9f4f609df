"""Periodic jobs of the referrals worker: one module each, declared in `definition`."""
