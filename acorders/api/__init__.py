"""The API stage: ActiveCampaign's e-commerce API v3 over HTTP, at the account's rate, with retries.

``client`` sends (one attempt at a time, ``retry`` decides about the next), ``answers`` turns whatever
came back into acorders' exceptions, ``ratelimit`` paces every thread, ``stats`` counts and logs.
Never imported by the rest until something must be sent: a rerun with nothing new never loads requests.
"""
