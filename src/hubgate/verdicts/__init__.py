"""Pure verdict logic: Hub answers in, verdicts out; exit codes, base-model links and did-you-mean ranking. No I/O."""
