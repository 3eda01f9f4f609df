// Live updates (progressive enhancement): a page part with data-live-url re-reads itself,
// as the signed-in user, when the portal's event stream says what it shows has changed.
// Without JavaScript the part keeps its plain "refresh" link.
for (const live of document.querySelectorAll("[data-live-url]")) {
  const target = document.getElementById(live.dataset.liveTarget);
  const status = live.querySelector("[data-live-status]");
  const refresh = live.querySelector(".portal-live__refresh");
  const source = new EventSource(live.dataset.liveUrl);
  source.addEventListener("open", () => { if (refresh) refresh.hidden = true; });
  source.addEventListener("error", () => { if (refresh) refresh.hidden = false; });
  source.addEventListener("changed", async () => {
    const here = window.location.pathname + window.location.search;
    const response = await fetch(here, { headers: { Accept: "text/html" } });
    if (!response.ok || !target) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById(target.id);
    if (!fresh) return;
    target.replaceChildren(...fresh.childNodes);
    if (status) status.textContent = live.dataset.liveMessage || "Updated just now.";
  });
}
