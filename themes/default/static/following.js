// sitegen default theme: follow authors and keywords without a server. What a reader
// follows is kept in the browser (localStorage, which works from file:// too); author
// pages get a Follow button, lists of papers mark the followed ones, and the Following
// page lists the newest matching papers from the search data (search.js's `newest`).
(function () {
  "use strict";

  var KEY = "sitegen.following";
  var SHOWN = 50; // papers the Following page lists
  var PER_FOLLOW = 30; // newest papers asked of the search data per author or keyword
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"];

  function load() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return { authors: stored.authors || [], keywords: stored.keywords || [] };
    } catch (error) {
      return { authors: [], keywords: [] }; // storage refused (a private window) or spoilt
    }
  }

  function save(following) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(following));
    } catch (error) { /* storage refused: following lasts as long as the page */ }
  }

  function toggle(list, value) {
    var at = list.indexOf(value);
    if (at < 0) list.push(value);
    else list.splice(at, 1);
    return at < 0;
  }

  // Words as the search folds them: lowercase, accents dropped.
  function words(text) {
    return (text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "").match(/[\p{L}\p{N}]+/gu)) || [];
  }

  // A keyword matches a title holding each of its words, or words they begin
  // ("segment" matches "Segmentation").
  function keywordIn(keyword, title) {
    var titleWords = words(title);
    var wanted = words(keyword);
    return wanted.length > 0 && wanted.every(function (word) {
      return titleWords.some(function (titleWord) { return titleWord.indexOf(word) === 0; });
    });
  }

  // What makes a paper followed: its authors and title against the follows; the reasons.
  function reasons(following, authors, title) {
    return following.authors.filter(function (name) { return authors.indexOf(name) >= 0; })
      .concat(following.keywords.filter(function (keyword) { return keywordIn(keyword, title); }));
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function mark(item, why) {
    item.classList.add("followed");
    var meta = item.querySelector(".meta.small") || item;
    meta.appendChild(element("span", "followed-mark", "Following: " + why.join(", ")));
  }

  // Day, category and venue pages: mark each listed paper a follow matches.
  function markLists(following) {
    if (!following.authors.length && !following.keywords.length) return;
    document.querySelectorAll("[data-mark-followed] .paper-item").forEach(function (item) {
      var authors = Array.prototype.map.call(item.querySelectorAll(".authors a, .authors .featured"), function (link) {
        return link.textContent;
      });
      var title = item.querySelector(".paper-title");
      var why = reasons(following, authors, title ? title.textContent : "");
      if (why.length) mark(item, why);
    });
  }

  function wireFollowButtons(following) {
    document.querySelectorAll("button[data-follow-author]").forEach(function (button) {
      var name = button.getAttribute("data-follow-author");
      function show() {
        var followed = following.authors.indexOf(name) >= 0;
        button.setAttribute("aria-pressed", followed ? "true" : "false");
        button.textContent = followed ? "Following" : "Follow";
      }
      button.addEventListener("click", function () {
        following = load(); // another tab may have changed it
        toggle(following.authors, name);
        save(following);
        show();
      });
      show();
      button.hidden = false;
    });
  }

  // --- the Following page ---------------------------------------------------------------

  function followingPage(box) {
    var root = box.getAttribute("data-following-root");
    var status = document.getElementById("following-status");
    var generation = 0;

    function showFollowed(following) {
      var list = document.getElementById("followed");
      list.textContent = "";
      following.authors.map(function (name) { return { kind: "authors", value: name, label: name }; })
        .concat(following.keywords.map(function (word) { return { kind: "keywords", value: word, label: "“" + word + "”" }; }))
        .forEach(function (follow) {
          var item = element("li");
          item.appendChild(element("span", follow.kind === "authors" ? "followed-author" : "followed-keyword", follow.label));
          var remove = element("button", "unfollow", "Unfollow");
          remove.type = "button";
          remove.setAttribute("aria-label", "Unfollow " + follow.label);
          remove.addEventListener("click", function () {
            var now = load();
            toggle(now[follow.kind], follow.value);
            save(now);
            refresh();
          });
          item.appendChild(remove);
          list.appendChild(item);
        });
      document.getElementById("followed-none").hidden = list.children.length > 0;
    }

    // An author is asked for as `author:` words and the whole name, as the index holds it;
    // a record lists the first authors only, so a paper whose record does not list the
    // name is kept when its list is cut (the index has its whole name). A keyword is asked
    // for as `title:` words.
    function papersOf(following) {
      var asked = following.authors.map(function (name) {
        var text = words(name).map(function (word) { return "author:" + word; }).join(" ");
        return window.sitegenSearch.newest(root, text, PER_FOLLOW, name).then(function (papers) {
          return papers.filter(function (paper) { return paper.authors.indexOf(name) >= 0 || paper.more > 0; });
        });
      }).concat(following.keywords.map(function (keyword) {
        // as lists mark them: the papers whose title holds the keyword
        var text = words(keyword).map(function (word) { return "title:" + word; }).join(" ");
        return window.sitegenSearch.newest(root, text, PER_FOLLOW).then(function (papers) {
          return papers.filter(function (paper) { return keywordIn(keyword, paper.title); });
        });
      }));
      return Promise.all(asked).then(function (found) {
        var byId = {};
        found.forEach(function (papers, position) {
          var why = position < following.authors.length ? following.authors[position]
            : following.keywords[position - following.authors.length];
          papers.forEach(function (paper) {
            (byId[paper.id] = byId[paper.id] || { paper: paper, why: [] }).why.push(why);
          });
        });
        return Object.keys(byId).map(function (id) { return byId[id]; }).sort(function (a, b) {
          return a.paper.date < b.paper.date ? 1 : a.paper.date > b.paper.date ? -1 : (a.paper.id < b.paper.id ? 1 : -1);
        }).slice(0, SHOWN);
      });
    }

    function paperItem(found) {
      var paper = found.paper;
      var item = element("li", "paper-item");
      var link = element("a", "paper-title");
      window.sitegenSearch.appendTitle(link, paper.title);
      link.href = root + paper.path;
      item.appendChild(link);
      item.appendChild(element("div", "meta authors", paper.authors.join(", ") + (paper.more ? " and " + paper.more + " more" : "")));
      var meta = element("div", "meta small");
      meta.appendChild(element("span", "id", "arXiv:" + paper.id));
      var parts = paper.date.split("-"); // as pages show dates: 29 September 2022
      var time = element("time", null, Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0]);
      time.setAttribute("datetime", paper.date);
      meta.appendChild(time);
      meta.appendChild(element("span", "followed-mark", "Following: " + found.why.join(", ")));
      item.appendChild(meta);
      return item;
    }

    function refresh() {
      var following = load();
      var mine = ++generation;
      showFollowed(following);
      var list = document.getElementById("following-papers");
      list.textContent = "";
      if (!following.authors.length && !following.keywords.length) {
        status.textContent = "Follow an author (the button on their page) or a keyword to see their newest papers here.";
        document.body.dataset.followingDone = String(mine);
        return;
      }
      status.textContent = "Looking for the newest papers…";
      papersOf(following).then(function (papers) {
        if (mine !== generation) return;
        papers.forEach(function (found) { list.appendChild(paperItem(found)); });
        window.sitegenSearch.typesetMath(list, box.getAttribute("data-katex"));
        status.textContent = papers.length ? "The " + (papers.length === 1 ? "newest paper" : papers.length + " newest papers") +
          " by the authors and on the keywords you follow." : "No paper of this archive matches what you follow.";
        document.body.dataset.followingDone = String(mine);
      }, function (error) {
        if (mine !== generation) return;
        status.textContent = "The search data could not be loaded (" + error.message + "). Rebuild the site and try again.";
        document.body.dataset.followingDone = String(mine);
      });
    }

    box.querySelector("form.follow-keyword").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("follow-keyword");
      var keyword = input.value.trim().replace(/\s+/g, " ");
      if (!words(keyword).length) return;
      var following = load();
      if (following.keywords.indexOf(keyword) < 0) following.keywords.push(keyword);
      save(following);
      input.value = "";
      refresh();
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var following = load();
    wireFollowButtons(following);
    markLists(following);
    var box = document.querySelector("[data-following-root]");
    if (box) followingPage(box);
  });
})();
