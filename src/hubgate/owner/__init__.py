"""Owner side: review and answer access requests on your own gated repos (docs/hub.md, "Owner side").

`client` asks the Hub through the run's one Hub client (`hubgate.hub.service.HubService`: pacer, deadline,
budget, retries, request tally) and returns plain results; `plan` is pure (USER arguments, bulk files,
rejection reasons, rules files and what they decide); `run` holds the commands' steps between options
and renderers. The text, JSON and CSV renderers are `hubgate.render.owner`.
"""
