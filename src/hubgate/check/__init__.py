"""The check run and what it adds beside each verdict.

`session.py` opens a run's session (endpoint, Hub client, token), `run.py` runs every input into a Report,
`evidence.py` decides one repo from the cheapest sufficient evidence, `listings.py` reads author listings in
place of per-repo metadata, `extras.py` adds registry facts, findings, suggestions, bases, alternatives and
fit, `author_repos.py` lists `--author`, `batch.py` is one `hubgate check` run (the repos given, scanned
and listed), `report.py` is the JSON contract, `matrix.py` one list under many tokens, and `api.py` the
Python API (`check_models`, `check_model_access`)."""
