"""Stage 6, serve: the JSON API (OpenAPI at /docs) and the web UI, in one process.

``dateline serve --db dateline.db`` runs it; ``create_app`` builds the ASGI app
for tests or another server.
"""

from __future__ import annotations

import click

from .app import Settings, create_app

__all__ = ["Settings", "create_app", "serve"]


@click.command("serve")
@click.option("--db", default=None, help="SQLite file path or postgresql:// URL [default: dateline.db]")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="port to listen on")
@click.option("--token", default=None, help="token that allows POST /api/ingest [default: api_token setting; "
              "none: read-only]")
@click.option("--tile-url", default=None, help="map tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png "
              "[default: tile_url setting; none: offline country outlines]")
@click.option("--tile-attribution", default="", help="attribution text shown under the map tiles")
def serve(db: str | None, host: str, port: int, token: str | None, tile_url: str | None, tile_attribution: str) -> None:
    """Serve the JSON API (OpenAPI at /docs) and the web UI over a dateline database."""
    import uvicorn

    from ..config import load_config
    from ..errors import ConfigError, DatelineError
    from ..store import open_store

    try:
        cfg = load_config(db=db, api_token=token, tile_url=tile_url)
        open_store(cfg.db).close()  # fail now, with a message, on a bad --db
    except (ConfigError, DatelineError) as exc:
        raise click.ClickException(str(exc)) from exc
    app = create_app(Settings(db=cfg.db, token=cfg.api_token, tile_url=cfg.tile_url,
                              tile_attribution=tile_attribution))
    click.echo(f"dateline: http://{host}:{port}/ (API docs at /docs) over {cfg.db}"
               f"{'; ingest enabled' if cfg.api_token else '; read-only'}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
