"""Following without a server, in headless Chromium from file://: a reader follows an
author on their page and a keyword on the Following page; the choice survives reloads
(localStorage), day, category and venue pages mark the followed papers, and the Following
page lists the newest matching papers from the search data."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_config, quiet_build

pytestmark = pytest.mark.browser


@pytest.fixture
def tab(browser):
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == []


def open_page(tab, site: Path, path: str):
    tab.goto((site / path).as_uri(), wait_until="load")
    return tab


def following_page(tab, site: Path):
    open_page(tab, site, "following/index.html")
    tab.wait_for_selector("body[data-following-done]")
    return tab


def follow_keyword(tab, site: Path, keyword: str):
    """On the Following page, follow `keyword`, and wait for the papers it finds."""
    page = following_page(tab, site)
    page.fill("#follow-keyword", keyword)
    page.click(".follow-keyword button")
    page.wait_for_function("document.querySelectorAll('#following-papers li').length > 0")
    return page


def listed_titles(tab) -> list[str]:
    return tab.locator("#following-papers .paper-title").all_text_contents()


def marked(tab) -> list[str]:
    return tab.locator(".paper-item.followed .paper-title").all_text_contents()


def test_following_an_author_marks_their_papers_and_lists_them_newest_first(tab, built_site: Path):
    assert following_page(tab, built_site).locator("#following-status").text_content().startswith("Follow an author")
    author = open_page(tab, built_site, "authors/alice-smith.html")
    button = author.locator("button[data-follow-author]")
    assert button.is_visible() and button.get_attribute("aria-pressed") == "false"
    button.click()
    assert button.text_content() == "Following" and button.get_attribute("aria-pressed") == "true"
    open_page(tab, built_site, "authors/alice-smith.html")  # kept across pages
    assert tab.locator("button[data-follow-author]").get_attribute("aria-pressed") == "true"

    open_page(tab, built_site, "days/2022/09/29.html")
    assert marked(tab) == ["Denoising Medical Images"]  # Frank Moore, Alice Smith
    assert tab.locator(".paper-item.followed .followed-mark").text_content() == "Following: Alice Smith"
    open_page(tab, built_site, "categories/cs.CV/index.html")
    assert set(marked(tab)) == {"Denoising Medical Images", "Learning Features Across Domains", "How <SEG> Token Works"}
    open_page(tab, built_site, "venues/cvpr/2023.html")
    assert marked(tab) == ["Learning Features Across Domains"]
    open_page(tab, built_site, "authors/alice-smith.html")
    assert marked(tab) == []  # an author's own page does not mark every paper

    following_page(tab, built_site)
    assert listed_titles(tab) == ["Denoising Medical Images", "Learning Features Across Domains",
                                  "How <SEG> Token Works"]
    assert tab.locator("#followed li").all_text_contents() == ["Alice SmithUnfollow"]
    link = tab.locator("#following-papers .paper-title").first
    link.click()
    tab.wait_for_load_state("load")
    assert tab.url.endswith("/papers/2209.14101.html")


def test_following_a_keyword_and_unfollowing(tab, built_site: Path):
    page = follow_keyword(tab, built_site, "segmentation")
    assert listed_titles(page) == ["A Plain Segmentation Baseline"]
    assert page.locator("#followed li").all_text_contents() == ["“segmentation”Unfollow"]

    open_page(tab, built_site, "days/2022/09/29.html")
    assert marked(tab) == ["A Plain Segmentation Baseline"]

    page = following_page(tab, built_site)  # after a reload, still followed
    page.wait_for_function("document.querySelectorAll('#following-papers li').length > 0")
    page.click("#followed button")
    page.wait_for_function("document.querySelectorAll('#followed li').length === 0")
    assert listed_titles(page) == []
    open_page(tab, built_site, "days/2022/09/29.html")
    assert marked(tab) == []


def test_following_page_typesets_math_in_titles(tab, built_site: Path):
    page = follow_keyword(tab, built_site, "minimization")
    title = page.locator("#following-papers .paper-title", has_text="Minimization & 1 + 1 < 1")
    title.locator(".math .katex").wait_for()  # KaTeX loaded on demand, from the site's own copy
    assert "$" not in title.inner_text()
    assert title.locator(".math").get_attribute("title") == r"\ell_0"


def test_a_keyword_follows_titles_on_the_following_page_as_in_lists(tab, built_site: Path):
    """"Learning" is in one title and in another paper's abstract ("Learning rates, again.")."""
    page = follow_keyword(tab, built_site, "learning")
    assert listed_titles(page) == ["Learning Features Across Domains"]
    open_page(tab, built_site, "categories/cs.LG/index.html")
    assert marked(tab) == ["Learning Features Across Domains"]
    assert "Gradient Descent, Revisited" in tab.locator(".paper-item .paper-title").all_text_contents()


TEAM = ", ".join(f"Member {number}" for number in "ABCDEFGHI")  # nine: a record lists eight


def team_paper(number: int, title: str, last_author: str) -> str:
    return f"""### {title}
- **Arxiv ID**: http://arxiv.org/abs/2209.1430{number}v1
- **DOI**: None
- **Categories**: **cs.CV**
- **Links**: [PDF](http://arxiv.org/pdf/2209.1430{number}v1)
- **Published**: 2022-09-29 0{number}:00:00+00:00
- **Updated**: 2022-09-29 0{number}:00:00+00:00
- **Authors**: {TEAM}, {last_author}
- **Comment**: None
- **Journal**: None
- **Summary**: A paper of a large team.

"""


def test_a_followed_author_listed_after_the_eighth_is_found_by_their_whole_name(tab, tmp_path: Path):
    """Search records keep 8 authors: the 10th is known to the index alone, which holds
    whole names, so "Lee Ann" (the same words) is not taken for "Ann Lee"."""
    content = tmp_path / "content" / "cs.CV" / "2022" / "09"
    content.mkdir(parents=True)
    (content / "20220929.md").write_text(
        "# Arxiv Papers in cs.CV on 2022-09-29\n" + team_paper(1, "Hers", "Ann Lee")
        + team_paper(2, "Not Hers", "Lee Ann"), encoding="utf-8")
    config = make_config(tmp_path, tmp_path / "content")
    quiet_build(config)
    site = config.output_path
    author = open_page(tab, site, "authors/ann-lee.html")
    author.locator("button[data-follow-author]").click()
    page = following_page(tab, site)
    assert listed_titles(page) == ["Hers"]
