"""Pure verdict logic: Hub answers in, verdicts out; exit codes, base-model links and did-you-mean ranking. No I/O.

`verdict.py` is what a verdict is, `decide.py` which status the Hub's answers mean, `wording.py` the message
and next step of each status, `attach.py` what a check adds beside it, `findings.py` the pre-flight
findings, `exit_codes.py` which verdicts fail a run (`--fail-on`)."""
