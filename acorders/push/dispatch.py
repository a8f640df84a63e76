"""Dispatch: documents about the same record grouped, and the groups run on worker threads.

A cart, its later versions and the order it became form one group, sent in input order by one thread, so
two threads never race to create one cart; the groups share the account's rate limit through the client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from acorders.models import Document, PushResult, connection_of
from acorders.push.interrupts import Interrupts
from acorders.push.send import Pusher

if TYPE_CHECKING:
    from concurrent.futures import Future


def group(docs: Iterable[Document]) -> list[list[Document]]:
    """Documents that concern the same record (same externalcheckoutid or externalid) in input order."""
    groups: list[list[Document]] = []
    where: dict[tuple[str, str, str], int] = {}
    for doc in docs:
        connection = connection_of(doc.order)
        checkout, ext = doc.key
        keys = [
            (connection, f, v)
            for f, v in (("externalcheckoutid", checkout), ("externalid", ext))
            if v is not None
        ]
        index = next((where[k] for k in keys if k in where), None)
        if index is None:
            index = len(groups)
            groups.append([])
        groups[index].append(doc)
        for k in keys:
            where.setdefault(k, index)
    return groups


def send(
    pusher: Pusher,
    groups: list[list[Document]],
    workers: int,
    on_result: Callable[[PushResult], None],
    interrupts: Interrupts | None = None,
) -> None:
    """Run the groups on a thread pool, reporting each cart as it is done. Once ``interrupts`` has a
    signal, no group starts; those running finish their cart in flight (the client cuts it off after the
    grace) and skip the rest, and every cart left is reported skipped."""
    from concurrent.futures import (  # a rerun with nothing to send never needs it
        FIRST_COMPLETED,
        ThreadPoolExecutor,
        wait,
    )

    interrupts = interrupts if interrupts is not None else Interrupts()
    pending: set[Future[list[PushResult]]] = set()
    queue = list(reversed(groups))
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="push") as pool:
        while pending or (queue and not interrupts.count):
            while queue and not interrupts.count and len(pending) < workers * 2:
                pending.add(pool.submit(pusher.push_group, queue.pop()))
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for future in done:
                for result in future.result():
                    on_result(result)
    if queue and pusher.stop is None:
        pusher.stop = interrupts.stop()
    for docs in reversed(queue):
        for result in pusher.push_group(docs):  # all skipped: the stop is set
            on_result(result)
