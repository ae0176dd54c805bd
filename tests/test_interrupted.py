"""A build killed at any moment leaves the complete old site or the complete new one."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BASE_URL

RUNS = 20


def write_digests(content: Path, days: int, per_day: int, title_prefix: str) -> None:
    """A synthetic archive big enough that a build takes a noticeable while."""
    for day in range(1, days + 1):
        lines = [f"# Arxiv Papers in cs.CV on 2022-03-{day:02d}"]
        for number in range(per_day):
            paper = f"2203.{day:02d}{number:03d}"
            lines += [
                f"### {title_prefix} paper {number} of day {day}",
                f"- **Arxiv ID**: http://arxiv.org/abs/{paper}v1",
                "- **DOI**: None",
                "- **Categories**: **cs.CV**, cs.LG",
                f"- **Links**: [PDF](http://arxiv.org/pdf/{paper}v1)",
                f"- **Published**: 2022-03-{day:02d} 00:00:{number % 60:02d}+00:00",
                f"- **Updated**: 2022-03-{day:02d} 00:00:{number % 60:02d}+00:00",
                f"- **Authors**: Author {number % 37}, Author {(number * 7) % 41}, Writer {day}",
                "- **Comment**: None",
                "- **Journal**: None",
                f"- **Summary**: An abstract about segmentation and detection number {number}.",
                "", "",
            ]
        path = content / f"2022/03/202203{day:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def build_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "sitegen.cli", "build", "--config", str(config), "--jobs", "2"]


def stop_session(session: int) -> None:
    """Kill what is left of a killed build (its forked workers) and wait until it is gone:
    until then they hold the build lock, and the next build would find it taken."""
    deadline = time.monotonic() + 10
    while True:  # killed again each time: a worker may have been forking while the others were killed
        subprocess.run(["pkill", "-KILL", "-s", str(session)], check=False)
        states = subprocess.run(["ps", "-s", str(session), "-o", "stat="], capture_output=True, text=True).stdout
        if all(state.startswith("Z") for state in states.split()):  # a zombie holds no lock
            return
        assert time.monotonic() < deadline, "the killed build's processes did not go away"
        time.sleep(0.01)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    content = tmp_path / "content"
    config = tmp_path / "sitegen.yaml"
    config.write_text(f"content_dir: {content}\noutput_dir: {tmp_path / 'output'}\nbase_url: {BASE_URL}\n")
    return content, config


def test_a_killed_build_leaves_the_old_site_or_the_new_one(site: tuple[Path, Path], tmp_path: Path):
    content, config = site
    write_digests(content, days=12, per_day=40, title_prefix="Old")
    subprocess.run(build_command(config), check=True, capture_output=True)
    old = snapshot(tmp_path / "output")
    write_digests(content, days=12, per_day=40, title_prefix="New")
    started = time.perf_counter()
    subprocess.run(build_command(config), check=True, capture_output=True)
    duration = time.perf_counter() - started
    new = snapshot(tmp_path / "output")
    assert old != new
    randomness = random.Random(7)
    outcomes = []
    for run in range(RUNS):
        write_digests(content, days=12, per_day=40, title_prefix="Old" if run % 2 else "New")
        expected_before = snapshot(tmp_path / "output")
        process = subprocess.Popen(build_command(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(randomness.uniform(0, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop_session(process.pid)
        after = snapshot(tmp_path / "output")
        assert after in (old, new), f"run {run}: output is neither the old site nor the new one"
        outcomes.append("unchanged" if after == expected_before else "swapped")
    # and the next build, after all those kills, is complete and correct
    final = subprocess.run(build_command(config), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr[-2000:]
    assert snapshot(tmp_path / "output") == (old if (RUNS - 1) % 2 else new)
    assert "unchanged" in outcomes  # the kills did land mid-build
