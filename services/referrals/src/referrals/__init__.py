"""Referrals: advice & guidance, referral triage, the service directory, advice lines.

The whole service is declared in `definition`; `main` and `worker` are its processes.
"""
