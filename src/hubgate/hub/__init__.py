"""The one Hub client: `service` (the questions), `transport` (how a request is sent: retries, deadlines),
`silence` (when the Hub counts as gone), `pacing` (the rate limits), `tally` (requests counted, the
budget), `settings`, `answers` (Hub answers reduced to plain data), `cache` and `token`."""
