"""``main``: start the playground's server on 127.0.0.1 and print (or open) its URL."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import webbrowser

HOST = "127.0.0.1"  # never anything else: the playground is for this machine only


def arguments(p):
    """Add the playground's options to the argparse parser ``p`` (``python -m glassgrad
    playground`` uses the same) and return it."""
    p.add_argument("--port", type=int, default=0,
                   help="port on 127.0.0.1 (default: a free one chosen by the system)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    return p


async def serve(port=0, *, token=None, ready=None, **app_kwargs):
    """Serve the playground on 127.0.0.1:``port`` until cancelled. ``ready(url)`` is called
    once the socket listens (``url`` carries the token)."""
    from aiohttp import web

    from .server import TOKEN, create_app

    app = create_app(token, **app_kwargs)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    url = f"http://{HOST}:{sock.getsockname()[1]}/?token={app[TOKEN]}"
    if ready is not None:
        ready(url)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv=None):
    """``python -m glassgrad.playground [--port N] [--open]``; returns the exit code."""
    parser = arguments(argparse.ArgumentParser(
        prog="python -m glassgrad playground",
        description="a local page to change a formula or a small network and watch values, "
                    "gradients and training live"))
    return command(parser.parse_args(argv))


def command(args):
    """Run the playground for parsed ``args`` (``--port``, ``--open``) until Ctrl-C; returns
    the exit code: 0 when stopped, 1 when it cannot listen or aiohttp is missing, 2 for a
    bad port."""
    if not 0 <= args.port <= 65535:
        print(f"error: --port must be between 0 and 65535, got {args.port}", file=sys.stderr)
        return 2
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        print("error: the playground needs aiohttp: pip install 'glassgrad[playground]' (or "
              "pip install aiohttp), or run ./dev playground", file=sys.stderr)
        return 1

    def ready(url):
        print(f"glassgrad playground: open {url}\n(on this machine only; Ctrl-C stops it)",
              flush=True)
        if args.open:
            webbrowser.open(url)

    try:
        asyncio.run(serve(args.port, ready=ready))
    except OSError as e:
        print(f"error: cannot listen on {HOST}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nplayground stopped")
    return 0
