"""The one Hub service: requests, pacing on the rate limits, the answers reduced to plain data, and the token."""
