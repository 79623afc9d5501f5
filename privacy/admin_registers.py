"""Admin pages of the DPO toolkit (imported by privacy/admin.py)."""
