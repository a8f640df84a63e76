"""Push: validated documents to ActiveCampaign, exactly once.

``runner`` carries out a PushRequest: ``prepare`` loads and validates (the validate stage) and settles
the unchanged from the ``ledger``; ``plan`` decides create, update or recover from the ledger alone;
``send`` makes the requests on worker threads, with ``lookup`` finding records the ledger does not know
and ``customers`` resolving customerid; ``spool`` moves the files that are settled.
"""
