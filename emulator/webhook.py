"""Webhook delivery: POST every pending update to the bot's URL, in order, until it is 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import httpx

from emulator.state import EmuState, WebhookConfig

_log = logging.getLogger(__name__)


class WebhookDelivery:
    """Background task delivering ``state.updates`` while a webhook is set.

    One update at a time (Telegram may use up to max_connections in parallel; sequential is
    a legal special case). Failures are recorded like Telegram does in getWebhookInfo
    (last_error_date, last_error_message) and retried with a short backoff, so tests of an
    unavailable bot recover quickly.
    """

    def __init__(
        self,
        state: EmuState,
        *,
        timeout: float = 10.0,
        retry_min: float = 0.05,
        retry_max: float = 1.0,
    ) -> None:
        self.state = state
        self.timeout = timeout
        self.retry_min = retry_min
        self.retry_max = retry_max
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        """Start delivering if a webhook is set and the task is not running."""
        if self.state.webhook is not None and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run())
        self.state.notify()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = self.retry_min
        async with httpx.AsyncClient(trust_env=False, timeout=self.timeout) as client:
            while not self.state.closing:
                hook = self.state.webhook
                if hook is None:
                    return
                if not self.state.updates:
                    await self.state.wait_changed(1.0)
                    continue
                update = self.state.updates[0]
                error = await self._post(client, hook, update)
                if self.state.webhook is not hook:
                    continue
                if error is None:
                    if self.state.updates and self.state.updates[0] is update:
                        self.state.updates.popleft()
                        self.state.notify()
                    backoff = self.retry_min
                    continue
                hook.last_error_date = self.state.now()
                hook.last_error_message = error
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.retry_max)

    @staticmethod
    async def _post(
        client: httpx.AsyncClient, hook: WebhookConfig, update: dict[str, object]
    ) -> str | None:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            response = await client.post(hook.url, content=json.dumps(update), headers=headers)
        except httpx.TimeoutException:
            return "Read timeout expired"
        except httpx.ConnectError:
            return "Connection refused"
        except httpx.HTTPError as exc:
            return f"Connection failed: {type(exc).__name__}"
        if 200 <= response.status_code < 300:
            return None
        _log.debug("webhook answered %s", response.status_code)
        return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
