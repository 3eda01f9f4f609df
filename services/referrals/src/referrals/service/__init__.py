"""Referrals service: service layer."""
