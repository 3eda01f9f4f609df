"""Referrals service: domain layer."""
