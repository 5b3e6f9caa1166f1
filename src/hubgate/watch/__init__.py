"""Watch state (SQLite) and the notifications sent when a verdict changes."""
