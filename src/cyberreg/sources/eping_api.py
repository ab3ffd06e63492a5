"""A client for the WTO ePing API: every notification distributed in a period, page by page.

`GET {base_url}/eping/notifications/search` with the key in the `Ocp-Apim-Subscription-Key` header answers
`{items, totalCount, currentPage, pageSize}`. Query parameters as client code uses them: `language` (1
English, 2 French, 3 Spanish), `domainIds` (1 TBT, 2 SPS), `distributionDateFrom`/`distributionDateTo`
(ISO dates), `page` (from 1) and `pageSize`. Items become `Notification`s through `notification_from_api`.

Rate limits and server errors (429, 500, 502, 503, 504), time-outs and dropped connections are retried
with exponential back-off, waiting what a `Retry-After` header asks (seconds or an HTTP date) when there
is one, never more than `max_wait`; after `max_retries` the client gives up with `EpingApiError`. Other
answers (a rejected key, a bad request, a body that is not an ePing answer) fail at once, naming the URL.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from cyberreg import __version__
from cyberreg.model.notification import Area, Notification
from cyberreg.sources.eping_json import notification_from_api
from cyberreg.sources.problems import InputError, Problem

DEFAULT_BASE_URL = "https://api.wto.org"
SEARCH_PATH = "/eping/notifications/search"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
LANGUAGES = {"en": 1, "fr": 2, "es": 3}
DOMAIN_IDS = {Area.TBT: 1, Area.SPS: 2}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class EpingApiError(RuntimeError):
    """The API could not be read: the message says what was asked, what came back and what to do."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status = status
        self.url = url


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: a number of seconds or an HTTP date; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class EpingClient:
    """ePing notification search. Use as a context manager, or call `close()`.

    `transport` and `sleep` are for tests (an `httpx` transport, and a stand-in for `time.sleep`)."""

    def __init__(
        self,
        key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        page_size: int = 100,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        max_pages: int = 10_000,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not key or not key.strip():
            raise ValueError(
                "an ePing API key is needed (the Ocp-Apim-Subscription-Key of apiportal.wto.org)"
            )
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"the ePing base URL must be http(s): {base_url!r}")
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.max_pages = max_pages
        self._sleep = sleep
        self._http = httpx.Client(
            headers={
                KEY_HEADER: key.strip(),
                "Accept": "application/json",
                "User-Agent": f"cyberreg/{__version__}",
            },
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,
        )

    def __enter__(self) -> EpingClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def search_url(self) -> str:
        return self.base_url + SEARCH_PATH

    # -----------------------------------------------------------------------------------------------------
    # One request, with retries.

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        asked = retry_after(response.headers.get("Retry-After")) if response is not None else None
        wait = asked if asked is not None else self.backoff * (2**attempt)
        return min(wait, self.max_wait)

    def get_json(self, params: Mapping[str, Any]) -> Any:
        """One search request as JSON, retrying rate limits, server errors and network failures."""
        url = self.search_url
        attempt = 0
        while True:
            response: httpx.Response | None = None
            reason: str
            try:
                response = self._http.get(url, params=dict(params))
            except httpx.TimeoutException as error:
                reason = f"timed out ({type(error).__name__})"
            except httpx.TransportError as error:
                reason = f"could not connect: {error}"
            else:
                if response.status_code < 400:
                    return self._decode(response)
                if response.status_code not in RETRY_STATUSES:
                    raise self._refused(response)
                reason = f"HTTP {response.status_code}"
            if attempt >= self.max_retries:
                raise EpingApiError(
                    f"ePing API gave up after {attempt + 1} attempts at {url} (last: {reason}); "
                    "try again later",
                    status=response.status_code if response is not None else None,
                    url=url,
                )
            self._sleep(self._wait(attempt, response))
            attempt += 1

    def _decode(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise EpingApiError(
                f"ePing API answered {response.status_code} with a body that is not JSON "
                f"({response.headers.get('content-type', 'no content type')}): {response.text[:120]!r}",
                status=response.status_code,
                url=str(response.request.url),
            ) from error

    def _refused(self, response: httpx.Response) -> EpingApiError:
        status = response.status_code
        if status in (401, 403):
            hint = "the API key was refused: check the Ocp-Apim-Subscription-Key (apiportal.wto.org)"
        elif status == 404:
            hint = f"no such endpoint: check the base URL ({self.base_url})"
        else:
            hint = "the request was refused"
        body = " ".join(response.text.split())[:200]
        return EpingApiError(
            f"ePing API answered HTTP {status} at {self.search_url}: {hint}" + (f" ({body})" if body else ""),
            status=status,
            url=str(response.request.url),
        )

    # -----------------------------------------------------------------------------------------------------
    # Paging.

    def query(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        area: Area | None = Area.TBT,
        language: str = "en",
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The query parameters of a search (without `page`)."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        params: dict[str, Any] = {"language": LANGUAGES[language], "pageSize": self.page_size}
        if area is not None:
            params["domainIds"] = DOMAIN_IDS[Area(area)]
        if since is not None:
            params["distributionDateFrom"] = since.isoformat()
        if until is not None:
            params["distributionDateTo"] = until.isoformat()
        params.update(extra or {})
        return params

    def pages(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every page of a search, from page 1 until `totalCount` items were seen or a page is empty."""
        seen = 0
        for page in range(1, self.max_pages + 1):
            payload = self.get_json({**params, "page": page})
            if not isinstance(payload, Mapping) or not isinstance(payload.get("items"), list):
                raise EpingApiError(
                    f"ePing API page {page} is not an answer of the form {{items, totalCount, ...}}: "
                    f"{str(payload)[:120]!r}",
                    url=self.search_url,
                )
            items = payload["items"]
            yield dict(payload)
            seen += len(items)
            total = payload.get("totalCount")
            if not items or (isinstance(total, int) and seen >= total):
                return
        raise EpingApiError(f"ePing API still had pages after {self.max_pages}; narrow the period")

    def items(self, **query: Any) -> Iterator[dict[str, Any]]:
        """Every raw item of a search; takes the arguments of `query`."""
        for page in self.pages(self.query(**query)):
            yield from page["items"]

    def notifications(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        area: Area | None = Area.TBT,
        language: str = "en",
        extra: Mapping[str, Any] | None = None,
        problems: list[Problem] | None = None,
    ) -> Iterator[Notification]:
        """Every notification of a search. An item that is not a valid notification goes to `problems`
        (or, when it is None, raises `InputError` naming the page and item)."""
        params = self.query(since=since, until=until, area=area, language=language, extra=extra)
        for page_number, page in enumerate(self.pages(params), 1):
            for index, item in enumerate(page["items"]):
                try:
                    yield notification_from_api(
                        item,
                        file=self.search_url,
                        where=f"page[{page_number}].items[{index}]",
                        language=language,
                    )
                except InputError as error:
                    if problems is None:
                        raise
                    problems.extend(error.problems)


def fetch_notifications(
    key: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    area: Area | None = Area.TBT,
    base_url: str = DEFAULT_BASE_URL,
    language: str = "en",
    problems: list[Problem] | None = None,
    **options: Any,
) -> list[Notification]:
    """Every notification distributed in a period (TBT by default), read from the API in one go."""
    with EpingClient(key, base_url=base_url, **options) as client:
        return list(
            client.notifications(since=since, until=until, area=area, language=language, problems=problems)
        )
