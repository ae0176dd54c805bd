"""The package as a user gets it: the sdist, a wheel built from it (without Node), installed
into a fresh virtual environment, then `sitegen new`, `build`, `check` and `serve` run
from a folder outside the checkout, with nothing of the checkout on the path."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import tarfile
import threading
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import sitegen

from conftest import crawl_links

pytestmark = pytest.mark.package

CHECKOUT = Path(__file__).resolve().parent.parent
NODE_MODULES = CHECKOUT / "node_modules"
KATEX_FONTS = sorted(path.name for path in (NODE_MODULES / "katex" / "dist" / "fonts").glob("*.woff2"))
LOCKED = json.loads((CHECKOUT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
KATEX = LOCKED["node_modules/katex"]["version"]
LUNR = LOCKED["node_modules/lunr"]["version"]
TITLE = "My arXiv archive"  # the title of a new site's sitegen.yaml


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    log: str


@dataclass(frozen=True)
class Installed:
    venv: Path
    work: Path  # a folder outside the checkout to run in

    def run(self, *argv: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        finished = subprocess.run(argv, cwd=cwd or self.work, env=clean_env(), capture_output=True,
                                  text=True, timeout=timeout)
        assert "Traceback" not in finished.stderr, finished.stderr
        return finished

    def sitegen(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return self.run(str(self.venv / "bin" / "sitegen"), *args, cwd=cwd)


def clean_env() -> dict[str, str]:
    """This environment without anything that could reach the checkout or the test venv."""
    return {name: value for name, value in os.environ.items()
            if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`python -m build`: the sdist, then a wheel built from the unpacked sdist, as a release is."""
    if not KATEX_FONTS:
        pytest.fail(f"no KaTeX fonts in {NODE_MODULES}: run `npm ci` (./dev test does)")
    dist = tmp_path_factory.mktemp("dist")
    finished = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(CHECKOUT)],
                              env=clean_env(), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    [sdist] = dist.glob("sitegen-*.tar.gz")
    [wheel] = dist.glob("sitegen-*.whl")
    return Built(sdist, wheel, finished.stdout + finished.stderr)


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=clean_env(), timeout=120)
    finished = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(built.wheel)],
                              env=clean_env(), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return Installed(venv, tmp_path_factory.mktemp("elsewhere"))


@pytest.fixture(scope="module")
def new_site(installed: Installed) -> Path:
    created = installed.sitegen("new", "site")
    assert created.returncode == 0, created.stderr
    return installed.work / "site"


# --- what the archives hold ------------------------------------------------------------------


def test_the_wheel_is_built_from_the_sdist(built: Built) -> None:
    # The sdist unpacked holds no npm install: the wheel needs only what the sdist carries.
    assert "Building wheel from sdist" in built.log, built.log


def test_the_sdist_carries_the_theme_katex_with_its_fonts_and_lunr(built: Built) -> None:
    with tarfile.open(built.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    theme = {str(path.relative_to(CHECKOUT)) for path in (CHECKOUT / "themes" / "default").rglob("*")
             if path.is_file()}
    assert theme <= names
    assert {f"node_modules/katex/dist/fonts/{font}" for font in KATEX_FONTS} <= names
    assert {"node_modules/katex/dist/katex.min.js", "node_modules/katex/dist/katex.min.css",
            "node_modules/lunr/lunr.min.js", "package-lock.json", "content/20220929.md"} <= names


def test_the_wheel_bundles_the_pinned_browser_libraries(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        versions = {package: json.loads(wheel.read(f"sitegen/_bundled/node_modules/{package}/package.json"))["version"]
                    for package in ("katex", "lunr")}
    assert versions == {"katex": KATEX, "lunr": LUNR}
    bundled = "sitegen/_bundled/"
    assert {f"{bundled}node_modules/katex/dist/fonts/{font}" for font in KATEX_FONTS} <= names
    assert {f"{bundled}themes/default/templates/home.html", f"{bundled}node_modules/lunr/lunr.min.js",
            f"{bundled}content/20220929.md", "sitegen/new-site/dot-github/workflows/pages.yml"} <= names


# --- the installed command -------------------------------------------------------------------


def test_version_from_the_command_and_the_module(installed: Installed) -> None:
    expected = f"sitegen {sitegen.__version__}\n"
    assert installed.sitegen("--version").stdout == expected
    assert installed.run(str(installed.venv / "bin" / "python"), "-m", "sitegen", "--version").stdout == expected


def test_the_installation_does_not_depend_on_the_checkout(installed: Installed) -> None:
    found = installed.run(str(installed.venv / "bin" / "python"), "-c",
                          "import sitegen, sitegen.resources as r; print(sitegen.__file__, r.ROOT, r.INSTALLED)")
    module, root, bundled = found.stdout.split()
    assert Path(module).is_relative_to(installed.venv) and Path(root).is_relative_to(installed.venv)
    assert bundled == "True"
    [site_packages] = installed.venv.glob("lib/python*/site-packages")
    for path in [*site_packages.glob("*.pth"), *site_packages.glob("sitegen-*.dist-info/*")]:
        assert str(CHECKOUT) not in path.read_text(encoding="utf-8", errors="replace"), path


def test_a_new_site_builds_and_every_link_resolves(installed: Installed, new_site: Path) -> None:
    built = installed.sitegen("build", cwd=new_site)
    assert built.returncode == 0, built.stderr
    output = new_site / "output"
    assert crawl_links(output, base_path="/") > 400
    fonts = sorted(path.name for path in (output / "assets" / f"katex-{KATEX}" / "fonts").glob("*.woff2"))
    assert fonts == KATEX_FONTS
    assert (output / "assets" / f"lunr-{LUNR}" / "lunr.min.js").is_file()
    assert TITLE in (output / "index.html").read_text(encoding="utf-8")


def test_a_new_site_checks_clean(installed: Installed, new_site: Path) -> None:
    checked = installed.sitegen("check", "--strict", cwd=new_site)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"^1 file \(0\.1 MB\), 78 entries", checked.stdout, re.MULTILINE), checked.stdout
    assert "warning" not in checked.stdout


def test_a_new_site_is_served(installed: Installed, new_site: Path) -> None:
    server = subprocess.Popen([str(installed.venv / "bin" / "sitegen"), "serve", "--port", "0"], cwd=new_site,
                              env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    said: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [said.put(line) for line in iter(server.stderr.readline, "")])
    reader.start()
    try:
        with urllib.request.urlopen(served_url(said), timeout=30) as response:
            assert response.status == 200
            assert f"<title>{TITLE}</title>" in response.read().decode("utf-8")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        reader.join(timeout=30)
    rest = "".join(said.queue)
    assert server.returncode == 0, rest
    assert "sitegen serve: stopped" in rest and "Traceback" not in rest


def served_url(said: queue.Queue[str], timeout: float = 60) -> str:
    """The URL `sitegen serve` says it serves at (it picked a free port)."""
    while True:
        try:
            line = said.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"sitegen serve said nothing for {timeout} s")
        match = re.match(rf"serving {re.escape(TITLE)} at (http://\S+) ", line)
        if match:
            return match.group(1)
