"""The concurrent check runner, the report it builds and the token matrix."""
