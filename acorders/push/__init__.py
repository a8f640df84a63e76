"""Push: validated documents to ActiveCampaign, exactly once.

``runner`` carries out a PushRequest: ``prepare`` loads and validates (the validate stage) and settles
the unchanged from the ``ledger``; ``plan`` decides create, update or recover from the ledger alone;
``dispatch`` runs the groups of documents about one record on worker threads, ``send`` makes each one's
requests, with ``lookup`` finding records the ledger does not know and ``customers`` resolving customerid;
``interrupts`` turns Ctrl-C and SIGTERM into a wind-down, ``locks`` keeps runs apart (ledger and account),
and ``spool`` moves the files that are settled.
"""
