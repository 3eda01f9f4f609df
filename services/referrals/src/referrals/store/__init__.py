"""Referrals service: store layer."""
