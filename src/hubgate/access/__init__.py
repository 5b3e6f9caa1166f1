"""Asking for access from the user's side: which repos need a request, the gate form, the outcomes."""
