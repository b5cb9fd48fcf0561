"""The web monitor's application: a JSON API over a MonitorModel, its event stream, and
the page (static files), every request behind the token (auth.py).

API (GET unless said):
  /api/session                      the token for the page's actions, the workspace
  /api/experiments                  current run of each experiment, with its services
  /api/jobs?experiment=&q=&sort=&desc=&offset=&limit=
                                    one page of jobs ({total, offset, limit, rows})
  /api/job/{type}/{id}              a job's details
  /api/log/{type}/{id}?name=&offset=  part of a file of the job's folder
  /api/graph?experiment=            nodes and edges of an experiment's jobs
  /api/events                       server-sent events: "change" with the changed jobs
  POST /api/job/{type}/{id}/kill, /clean
  POST /api/quit                    ends an experiment run with wait_for_quit
"""

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Callable, Optional

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from experimaestro.monitor.model import SORTS, LogRefused, MonitorModel, QueryError

from .auth import TokenGate
from .events import EventHub

__all__ = ["create_app", "PAGE_SIZE", "MAX_PAGE"]

STATIC = Path(__file__).parent / "static"
#: rows of a page of jobs, unless asked otherwise; never more than MAX_PAGE
PAGE_SIZE = 200
MAX_PAGE = 1000
#: bytes of a log sent at once
LOG_CHUNK = 256 * 1024
_NO_CACHE = {"cache-control": "no-store"}


class BadRequest(ValueError):
    pass


def _json(data, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=_NO_CACHE)


def _error(message: str, status: int) -> JSONResponse:
    return _json({"error": message}, status)


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name}={text!r}: expected an integer") from None
    return max(low, min(high, value))


def _row(model: MonitorModel, row) -> dict:
    """A job as a line of the jobs table (no parameters: they are read per job)."""
    progress = model.progress(row) if row.state == "running" else []
    return {"key": [row.type_id, row.identifier], "short": row.short, "task": row.type_id,
            "state": row.state, "state_text": row.state_text, "reason": row.reason,
            "progress": progress[0]["value"] if progress else None, "tags": row.tags,
            "submitted": row.submitted, "started": row.started, "ended": row.ended,
            "duration": row.duration}


def _key(request: Request):
    return request.path_params["type"], request.path_params["identifier"]


def create_app(model: MonitorModel, token: str,
               on_quit: Optional[Callable[[], None]] = None) -> Starlette:
    """The application over ``model``; every request needs ``token``. ``on_quit``: what
    the page's Quit button (POST /api/quit) calls — an experiment run with
    ``wait_for_quit`` waits for it; None: no such button."""
    if not token:
        raise ValueError("the web monitor needs a token (there is no mode without one)")
    hub = EventHub(model)

    def session(request):
        return _json({"token": token, "workspace": str(model.path),
                      "version": model.version, "sorts": list(SORTS),
                      "page_size": PAGE_SIZE, "quit": on_quit is not None})

    def experiments(request):
        data = []
        for info in model.experiments():
            item = info.to_json()
            item["services"] = model.services(info.experiment)
            data.append(item)
        return _json({"experiments": data, "version": model.version})

    def jobs(request):
        params = request.query_params
        experiment = params.get("experiment") or None
        try:
            offset = _int(request, "offset", 0, 0, 1 << 40)
            limit = _int(request, "limit", PAGE_SIZE, 1, MAX_PAGE)
            total, rows = model.select(
                experiment, params.get("q", ""), sort=params.get("sort") or "state",
                descending=params.get("desc") in ("1", "true"), offset=offset, limit=limit)
        except (QueryError, BadRequest) as exc:
            return _error(str(exc), 400)
        except KeyError as exc:
            return _error(exc.args[0], 404)
        return _json({"total": total, "offset": offset, "limit": limit,
                      "rows": [_row(model, r) for r in rows], "version": model.version})

    def job(request):
        try:
            data = model.details(_key(request))
        except KeyError as exc:
            return _error(exc.args[0], 404)
        row = model.job(_key(request))
        data["task"] = row.task if row is not None else None  # (read with the details)
        return _json(data)

    def log(request):
        name = request.query_params.get("name", "")
        try:
            offset = _int(request, "offset", 0, -(1 << 40), 1 << 40)
            text, end, size = model.read_log(_key(request), name, offset, LOG_CHUNK)
        except BadRequest as exc:
            return _error(str(exc), 400)
        except LogRefused as exc:
            return _error(str(exc), 403)
        return _json({"name": name, "text": text, "offset": end, "size": size})

    def graph(request):
        try:
            return _json(model.graph(request.query_params.get("experiment", "")))
        except KeyError as exc:
            return _error(exc.args[0], 404)

    def kill(request):
        key = _key(request)
        if model.job(key) is None:
            return _error(f"no job {key[0]}/{key[1]} in {model.path}", 404)
        outcome = model.kill(key)
        return _json({"status": outcome.status, "message": outcome.message},
                     200 if outcome.status != "error" else 409)

    def clean(request):
        outcome = model.clean(_key(request))
        return _json({"status": outcome.status, "message": outcome.message},
                     200 if outcome.status != "error" else 409)

    def quit(request):
        if on_quit is None:
            return _error("this monitor does not wait for a quit (it ends with its"
                          " experiment, or with Ctrl-C)", 404)
        on_quit()
        return _json({"status": "quitting"})

    async def events(request):
        return StreamingResponse(hub.stream(), media_type="text/event-stream",
                                 headers={**_NO_CACHE, "x-accel-buffering": "no"})

    def index(request):
        return FileResponse(STATIC / "index.html", headers=_NO_CACHE)

    @asynccontextmanager
    async def lifespan(app):
        hub.start()
        yield
        hub.close()

    job_path = "/api/job/{type}/{identifier}"
    routes = [
        Route("/", index),
        Route("/api/session", session),
        Route("/api/experiments", experiments),
        Route("/api/jobs", jobs),
        Route(job_path, job),
        Route(job_path + "/kill", kill, methods=["POST"]),
        Route(job_path + "/clean", clean, methods=["POST"]),
        Route("/api/log/{type}/{identifier}", log),
        Route("/api/graph", graph),
        Route("/api/events", events),
        Route("/api/quit", quit, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(TokenGate, token=token)])
    app.state.hub = hub
    app.state.model = model
    return app
