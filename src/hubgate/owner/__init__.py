"""Owner side: review and answer access requests on your own gated repos (docs/hub.md, "Owner side").

`service` talks to the Hub through huggingface_hub's access-request functions (with retries) and returns
plain results; `plan` is pure (USER arguments, bulk files, rejection reasons, rules files and what they
decide); `render` turns results into table, JSON or CSV text.
"""
