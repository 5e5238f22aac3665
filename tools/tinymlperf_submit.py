#!/usr/bin/env python3
"""From a notebook to the board in one step: write the package, serve it beside the page on
127.0.0.1, and open the page with the package loaded in its submit form (`index.html?package=…`).

    import sys; sys.path.insert(0, "tools")          # from the repository's root
    from tinymlperf_submit import submit
    submit(model, "mlp_sprint", team="Team Torch")    # nn.Module, state_dict, dict of arrays, or a file

The page inspects the package at once (the same check as a dropped file); pressing **Submit entry**
scores it. In a notebook the server runs in the background for as long as the kernel lives (the
returned object's `.stop()` ends it); from the command line it serves until Ctrl-C:

    python3 tools/tinymlperf_submit.py entry.safetensors [--event E] [--team T] [--serve-seconds N]
    python3 tools/export_pytorch.py --event mlp_sprint --from weights.npz -o entry.safetensors --open

What is served: the built page (`dist/` when `npm run build` made it and it is not older than
`www/pkg`, else the repository root, which needs `www/pkg` built: `npm start` or `npm run build`;
`--site DIR` picks one), with the COOP/COEP/CORP headers the page needs, and each package at
`/package/<random>/<file name>`. Only 127.0.0.1 is bound, so nothing is reachable from other machines.
With `page=` (`--page URL`), the page is a hosted copy (a course site): then only the package is
served, with `Access-Control-Allow-Origin: *` so that page may read it.

`webbrowser.open` is tried when a browser can be opened (on Linux only with a display, so a text
browser never takes over the terminal); the URL is always printed. Needs only the standard library
(plus numpy and safetensors to export a model: tools/export_pytorch.py).
"""
import argparse
import html
import http.server
import json
import os
import pathlib
import secrets
import shutil
import struct
import sys
import threading
import time
import urllib.parse
import webbrowser

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENGINE = pathlib.Path("www/pkg/tinymlperf_bg.wasm")
TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".png": "image/png",
    ".svg": "image/svg+xml", ".safetensors": "application/octet-stream", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8",
}
# From the repository root only the page's own files are served (as scripts/serve.mjs does): never the
# source tree, target/ or node_modules/. A built site (dist/) is public as a whole.
ALLOWED_PREFIXES = ("/www/", "/weights/", "/docs/")
ALLOWED_FILES = ("/index.html", "/coi-sw.js", "/favicon.ico")
MAX_PACKAGE_BYTES = 16 << 20  # the engine's limits().max_package_bytes (src/format/mod.rs)


class SubmitError(RuntimeError):
    """Something a person can fix (the page is not built, the file is missing): the message says how."""


def site_root(site=None):
    """The directory to serve the page from: `site`, else `dist/` when built and not older than
    www/pkg, else the repository root (which needs www/pkg)."""
    if site is not None:
        site = pathlib.Path(site).resolve()
        if not (site / "index.html").is_file() or not (site / ENGINE).is_file():
            raise SubmitError(f"{site} is not a built TinyMLPerf site (index.html and {ENGINE} are needed)")
        return site
    dist, root_engine = ROOT / "dist", ROOT / ENGINE
    dist_ok = (dist / "index.html").is_file() and (dist / ENGINE).is_file()
    if dist_ok and (not root_engine.is_file() or (dist / ENGINE).stat().st_mtime >= root_engine.stat().st_mtime):
        return dist
    if root_engine.is_file():
        return ROOT
    raise SubmitError(f"the page is not built: {ENGINE} is missing. Run `npm run build` (or `npm start` once) in {ROOT}, "
                      "or pass page= / --page with the URL of a hosted copy of the page")


def package_event(path):
    """The `event` metadata of a safetensors file (read from its header), or None."""
    try:
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            if n > 100 << 20:
                return None
            meta = json.loads(f.read(n)).get("__metadata__") or {}
    except (OSError, ValueError, struct.error):
        return None
    ev = meta.get("event")
    return ev if isinstance(ev, str) and ev else None


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "tinymlperf-submit"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: a notebook cell should not fill with request lines
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def do_OPTIONS(self):
        # A CORS preflight for a hosted page (Chrome's Private Network Access asks before a public page
        # reads from 127.0.0.1). Only in --page mode, and only for packages.
        path = urllib.parse.urlsplit(self.path).path
        if self.server.cross_origin and path in self.server.packages:
            self.send_response(204)
            self._cors()
            self.send_header("Access-Control-Allow-Methods", "GET, HEAD")
            self.send_header("Access-Control-Allow-Headers", "*")
            if self.headers.get("Access-Control-Request-Private-Network"):
                self.send_header("Access-Control-Allow-Private-Network", "true")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._error(404)

    def _cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")

    def _isolation(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")

    def _error(self, code):
        body = b"not found" if code == 404 else b"bad request"
        self.send_response(code)
        self._isolation()
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _file_for(self, path):
        pkg = self.server.packages.get(path)
        if pkg is not None:
            return pkg, True
        site = self.server.site
        if site is None:
            return None, False
        if path == "/":
            path = "/index.html"
        if site == ROOT and not (path in ALLOWED_FILES or path.startswith(ALLOWED_PREFIXES)):
            return None, False
        parts = [p for p in path.split("/") if p]
        if any(p in ("..", ".") or "\\" in p or "\0" in p for p in parts):
            return None, False
        file = site.joinpath(*parts).resolve() if parts else None
        if file is None or (site not in file.parents) or not file.is_file():
            return None, False
        return file, False

    def _serve(self, head):
        try:
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return self._error(400)
        file, is_package = self._file_for(path)
        if file is None:
            return self._error(404)
        try:
            f = open(file, "rb")
        except OSError:
            return self._error(404)
        with f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            if is_package and self.server.cross_origin:
                self._cors()
            else:
                self._isolation()
            self.send_header("Content-Type", TYPES.get(file.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if not head:
                try:
                    shutil.copyfileobj(f, self.wfile)
                except (BrokenPipeError, ConnectionResetError):
                    pass


class PackageServer(http.server.ThreadingHTTPServer):
    """Serves the page (unless `page` is a hosted copy) and packages, on 127.0.0.1 only."""

    daemon_threads = True

    def __init__(self, site=None, page=None, port=0, verbose=False):
        self.page = page
        self.cross_origin = page is not None
        self.site = None if self.cross_origin else site_root(site)
        self.packages = {}  # URL path -> file
        self.verbose = verbose
        super().__init__(("127.0.0.1", port), _Handler)
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, name="tinymlperf-submit", daemon=True)
        self._thread.start()

    def add(self, path):
        """Serves the file at `path` under a path of its own; returns its URL."""
        path = pathlib.Path(path).resolve()
        if not path.is_file():
            raise SubmitError(f"{path}: no such file")
        url_path = f"/package/{secrets.token_urlsafe(6)}/{urllib.parse.quote(path.name)}"
        self.packages[urllib.parse.unquote(url_path)] = path
        return self.origin + url_path

    def page_url(self, package_url, event=None, team=None):
        """The page's address with the package (and event, team) in its query."""
        base = self.page if self.cross_origin else self.origin + "/index.html"
        q = [("package", package_url)] + [(k, v) for k, v in (("event", event), ("team", team)) if v]
        return base + ("&" if "?" in base else "?") + urllib.parse.urlencode(q)

    def stop(self):
        self.shutdown()
        self.server_close()


_servers = {}  # (site, page) -> PackageServer, reused by later calls in the same notebook


def _server(site=None, page=None, port=0, verbose=False):
    key = (str(site) if site else None, page)
    s = _servers.get(key)
    if s is None or s.socket.fileno() < 0:
        s = _servers[key] = PackageServer(site=site, page=page, port=port, verbose=verbose)
    return s


def _can_open_browser():
    if os.environ.get("BROWSER"):
        return True
    if sys.platform.startswith(("win", "darwin")):
        return True
    # Elsewhere (Linux, BSD) without a display webbrowser would fall back to a text browser in this terminal.
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class Served:
    """A package being served: `url` opens the page with it loaded; `stop()` ends the server."""

    def __init__(self, server, path, package_url, url, event, opened):
        self.server, self.path, self.package_url, self.url, self.event, self.opened = server, path, package_url, url, event, opened

    def stop(self):
        self.server.packages = {k: v for k, v in self.server.packages.items() if v != self.path}
        if not self.server.packages:
            self.server.stop()
            for k, s in list(_servers.items()):
                if s is self.server:
                    del _servers[k]

    def wait(self, seconds=None):
        """Blocks until Ctrl-C (or `seconds` have passed), then stops the server."""
        try:
            if seconds is None:
                while True:
                    time.sleep(3600)
            time.sleep(max(0.0, float(seconds)))
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __repr__(self):
        return f"<TinyMLPerf: {self.path.name} served; open {self.url}>"

    def _repr_html_(self):  # Jupyter shows a link under the cell
        u = html.escape(self.url, quote=True)
        return (f'<p>TinyMLPerf: <a href="{u}" target="_blank" rel="noopener">open the page with {html.escape(self.path.name)} loaded</a> '
                f"(served from this machine on 127.0.0.1 while the kernel runs; press <b>Submit entry</b> there)</p>")


def serve(path, event=None, team=None, *, open_browser=True, site=None, page=None, port=0, verbose=False, quiet=False):
    """Serves the package at `path` beside the page and opens the page with it loaded. Returns a
    `Served` (its `.url`; `.stop()`, `.wait(seconds)`). `event` defaults to the package's metadata."""
    path = pathlib.Path(path).resolve()
    if not path.is_file():
        raise SubmitError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_PACKAGE_BYTES and not quiet:
        print(f"warning: {path.name} is {size / 2**20:.1f} MiB; the page takes packages of at most {MAX_PACKAGE_BYTES >> 20} MiB", file=sys.stderr)
    event = event or package_event(path)
    server = _server(site=site, page=page, port=port, verbose=verbose)
    package_url = server.add(path)
    url = server.page_url(package_url, event, team)
    if not quiet:
        where = f"page {page}" if page else f"site {server.site}"
        print(f"serving {path.name} at {package_url} ({where})")
        print(f"open {url}", flush=True)
    opened = False
    if open_browser and _can_open_browser():
        try:
            opened = bool(webbrowser.open(url))
        except Exception:  # a missing or broken browser is not an error: the URL is printed
            opened = False
    if open_browser and not opened and not quiet:
        print("(no browser could be opened here: open the address above yourself)", flush=True)
    return Served(server, path, package_url, url, event, opened)


def submit(model_or_path, event=None, team=None, *, out=None, int8=False, description=None, url=None,
           open_browser=True, site=None, page=None, port=0, **export_options):
    """One notebook call: `model_or_path` (an nn.Module, a state_dict, a dict of numpy arrays, or a
    .safetensors / .npz / .pt file) becomes a package (`out`, default `tinymlperf-<event>.safetensors`
    in the working directory; a .safetensors file is served as it is), served on 127.0.0.1 beside the
    page, which opens with it loaded. Returns a `Served`; the server runs in the background."""
    if isinstance(model_or_path, (str, os.PathLike)) and str(model_or_path).endswith(".safetensors"):
        return serve(model_or_path, event, team, open_browser=open_browser, site=site, page=page, port=port)
    here = str(pathlib.Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    from export_pytorch import _load, export  # tools/ is not a package

    if event is None:
        raise SubmitError("give the event, e.g. submit(model, 'mlp_sprint', team='me')")
    if isinstance(model_or_path, (str, os.PathLike)):
        model_or_path = _load(model_or_path)
    out = pathlib.Path(out or f"tinymlperf-{event}.safetensors")
    s = export(model_or_path, event, out, int8=int8, team=team, description=description, url=url, **export_options)
    q = f", int8: {', '.join(s['int8_layers'])}" if s["int8_layers"] else ""
    print(f"wrote {s['path']}: {s['event']}, {s['architecture']}, {s['params']} parameters{q}")
    # The team is in the package's metadata; the page fills the form's team field from it.
    return serve(out, event, None, open_browser=open_browser, site=site, page=page, port=port)


def add_serve_arguments(ap):
    """The serving flags, shared with tools/export_pytorch.py."""
    ap.add_argument("--serve-seconds", type=float, help="stop serving after N seconds (default: until Ctrl-C)")
    ap.add_argument("--no-browser", action="store_true", help="only print the URL")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--site", help="the built site to serve (default: dist/ if built and current, else the repository root)")
    ap.add_argument("--page", help="a hosted copy of the page (https://…/index.html): serve only the package, with CORS")


def serve_cli(path, event, team, a):
    """Serves `path` as the command-line flags in `a` say, until Ctrl-C or --serve-seconds. Exit status."""
    try:
        s = serve(path, event, team, open_browser=not a.no_browser, site=a.site, page=a.page, port=a.port)
    except (SubmitError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    limit = f"for {a.serve_seconds:g} s" if a.serve_seconds is not None else "until Ctrl-C"
    print(f"serving {limit}; press Submit entry on the page to score the package", flush=True)
    s.wait(a.serve_seconds)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Serve a TinyMLPerf package beside the page and open the page with it loaded.")
    ap.add_argument("package", help="a .safetensors package (tools/export_pytorch.py or tinymlperf-cli writes one)")
    ap.add_argument("--event", help="the event (default: the package's `event` metadata)")
    ap.add_argument("--team", help="prefill the form's team name (default: the package's `team` metadata)")
    add_serve_arguments(ap)
    a = ap.parse_args(argv)
    return serve_cli(a.package, a.event, a.team, a)


if __name__ == "__main__":
    sys.exit(main())
