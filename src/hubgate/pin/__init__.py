"""`hubgate pin`: `plan.py` resolves the commit each unpinned repo is at (through the check) and plans
each file's pinned text, verified by a new scan before it is shown or written; `rewrite.py` makes the
edits (libcst for Python and notebook cells, exact insertions for shell lines and configs)."""
