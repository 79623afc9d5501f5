"""Consent purposes, versioned consent texts and the consent ledger (issue: consents)."""
