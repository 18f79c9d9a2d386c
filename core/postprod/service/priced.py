"""The one path of a priced operation: quote -> price check or balance check -> engine ->
response -> charge, with its errors mapped in one place.

Nothing is charged unless the result is built: the debit is one conditional update committed
after the response body exists and before it is sent, so a failure or crash before that point
charges nothing (no refund is ever needed) and concurrent requests can never overdraw a key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from anyio import to_thread
from fastapi.responses import JSONResponse, Response

from .dependencies import ServiceState
from .ledger import KeyInfo, insufficient
from .responses import PriceCheckResponse
from .tracking import CallState

log = logging.getLogger("postprod.service")

Result = TypeVar("Result")


@dataclass(frozen=True)
class PricedOperation(Generic[Result]):
    """One request of an operation, as the priced path runs it.

    Attributes:
        name: the operation (``compose-otio``), as logged and stored with the charge.
        quote: the request's cost in credits (blocking; raises the request's errors).
        run: the result, given the request id (blocking; raises the operation's errors).
        respond: the HTTP response of a result (built before anything is charged).
        model_bound: runs a model: the engine step waits for a slot of the process's
            `engine_jobs`; otherwise the whole path takes one worker-thread hop.
    """

    name: str
    quote: Callable[[], int]
    run: Callable[[str], Result]
    respond: Callable[[Result], Response]
    model_bound: bool


def _price_answer(call: CallState, key: KeyInfo, *, cost: int, price_check: bool
                  ) -> Response | None:
    """The price-check answer, or None after making sure the balance covers ``cost``."""
    # The balance read with the key, a moment ago: the debit's conditional update is what
    # guarantees no overdraft; this only spares running an engine for a short balance.
    balance = key.balance
    if price_check:
        log.info("%s price check: %d credits (balance %d)", call.request_id, cost, balance)
        answer = PriceCheckResponse.build(cost=cost, balance=balance, request_id=call.request_id)
        return JSONResponse(answer.model_dump(mode="json"))
    if balance < cost:
        raise insufficient(cost=cost, balance=balance)
    return None


def _charge(state: ServiceState, call: CallState, key: KeyInfo, *, cost: int, operation: str
            ) -> None:
    """Debit ``cost`` now that the result is built; 402 (nothing returned) if short.
    Blocking: call it from a worker thread."""
    remaining = state.ledger.debit(key.key_id, cost=cost, request_id=call.request_id,
                                   operation=operation)
    call.credits_used = cost
    call.credits_remaining = remaining
    log.info("%s %s -> 200, %d credits, %.0f ms", call.request_id, operation, cost,
             (time.perf_counter() - call.started) * 1000)


async def run_priced(op: PricedOperation[Result], *, state: ServiceState, call: CallState,
                     key: KeyInfo, price_check: bool) -> Response:
    """Quote, answer a price check or check the balance, run, build the response, charge.

    Args:
        op: the operation's steps.
        state: the process's service state (ledger, engine slots).
        call: the request's tracking state (its credit headers are set here).
        key: the authenticated key.
        price_check: `X-Price-Check: true`: answer the cost, run nothing, charge nothing.
    """

    def charge(cost: int) -> None:
        _charge(state, call, key, cost=cost, operation=op.name)

    if not op.model_bound:
        def whole_path() -> Response:
            # One worker-thread hop for the whole cheap path: quote, run, respond, debit.
            cost = op.quote()
            answer = _price_answer(call, key, cost=cost, price_check=price_check)
            if answer is not None:
                return answer
            response = op.respond(op.run(call.request_id))
            charge(cost)
            return response

        return await to_thread.run_sync(whole_path)

    cost = await to_thread.run_sync(op.quote)
    answer = _price_answer(call, key, cost=cost, price_check=price_check)
    if answer is not None:
        return answer
    log.info("%s %s: running the engine", call.request_id, op.name)
    result = await to_thread.run_sync(lambda: op.run(call.request_id), limiter=state.engine_jobs)
    response = op.respond(result)
    await to_thread.run_sync(charge, cost)
    return response
