import Foundation
import Logging
/// The console's stylesheet and its one small script, served by the binary itself
/// (`/console/console.css`, `/console/console.js`): no CDN, no build step outside SwiftPM.
enum ConsoleAssets {
    /// One stylesheet for every page; readable from 390 px (a phone) to wide screens.
    static let stylesheet = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --accent: #0b5cad; --bad: #b42318; --good: #137333; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
        a { color: var(--accent); }
        :focus-visible, a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
        main:focus { outline: none; }
        .skip { position: absolute; left: .5rem; top: -3rem; z-index: 10; padding: .4rem .8rem; background: #fff; color: var(--accent); border-radius: 4px; }
        .skip:focus, .skip:focus-visible { top: .5rem; }
        header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1rem; background: #0d1b2a; color: #fff; }
        header.top a { color: #fff; text-decoration: none; }
        header.top .brand { font-weight: 700; font-size: 1.1rem; }
        header.top nav { display: flex; flex-wrap: wrap; gap: 1rem; flex: 1; }
        header.top nav a:hover { text-decoration: underline; }
        header.top form { display: flex; gap: .5rem; align-items: center; margin: 0; }
        main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.5rem; margin: .3rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 1rem; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; background: var(--bg); }
        .card .number { font-size: 1.8rem; font-weight: 700; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .95rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--bg); font-weight: 600; }
        code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; word-break: break-all; }
        form.stacked { display: grid; gap: .6rem; max-width: 640px; }
        form.inline { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: .5rem 0 1rem; }
        form.inline div, form.stacked div { display: flex; flex-direction: column; gap: .15rem; }
        label { font-weight: 600; font-size: .9rem; }
        input, select, textarea { font: inherit; padding: .35rem .45rem; border: 1px solid #8c959f; border-radius: 4px; min-width: 0; }
        textarea { min-height: 8rem; width: 100%; }
        button { font: inherit; padding: .4rem .9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); }
        header.top button { background: transparent; border-color: #fff; }
        .banner { padding: .6rem .9rem; border-radius: 6px; border: 1px solid #e3b341; background: #fff8c5; }
        .error { padding: .6rem .9rem; border-radius: 6px; border: 1px solid var(--bad); background: #fee4e2; color: var(--bad); }
        .ok { padding: .6rem .9rem; border-radius: 6px; border: 1px solid var(--good); background: #e6f4ea; color: var(--good); }
        .state-established { color: var(--good); font-weight: 600; }
        .state-down { color: var(--bad); font-weight: 600; }
        .side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(280px, 100%), 1fr)); gap: 1rem; }
        .side-by-side > section { overflow-x: auto; min-width: 0; }
        .muted { color: var(--muted); }
        ul.drift { margin: 0; padding-left: 1.1rem; }
        svg { max-width: 100%; }
        details summary { cursor: pointer; }
        pre { white-space: pre-wrap; word-break: break-word; background: var(--bg); padding: .5rem; border-radius: 4px; }
        @media (max-width: 600px) {
          main { padding: .6rem; }
          th, td { padding: .3rem; font-size: .85rem; }
          header.top nav { order: 3; width: 100%; }
        }
        """

    /// Progressive enhancement only: every page works without it. A page showing the present
    /// (not an "as of" moment) reloads itself once writes have committed after it was drawn: it
    /// follows `/live` (Server-Sent Events of the log's head), or, in a browser without
    /// EventSource, reloads every 30 s. Never while the user is typing in a form or the page is
    /// hidden: a change seen then reloads the page when it is shown again.
    static let script = """
        (function () {
          "use strict";
          var main = document.getElementById("main");
          if (!main || main.getAttribute("data-refresh") !== "live") { return; }
          var edited = false, stale = false, source = null;
          document.addEventListener("input", function () { edited = true; });
          function reload() {
            var focused = document.activeElement;
            var typing = focused && ["input", "textarea", "select"].indexOf(focused.tagName.toLowerCase()) >= 0;
            if (edited || typing || document.visibilityState !== "visible") { stale = true; return; }
            if (source) { source.close(); }
            window.location.reload();
          }
          document.addEventListener("visibilitychange", function () {
            if (stale && document.visibilityState === "visible") { stale = false; reload(); }
          });
          var position = main.getAttribute("data-position");
          if (window.EventSource && position) {
            var pending = false;
            source = new EventSource("/live?after=" + encodeURIComponent(position));
            source.addEventListener("commit", function () {
              if (pending) { return; }
              // A burst of writes is one reload.
              pending = true;
              setTimeout(function () { pending = false; reload(); }, 1000);
            });
          } else {
            setInterval(reload, 30000);
          }
        })();
        """
}
