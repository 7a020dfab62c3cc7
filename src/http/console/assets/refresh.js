// Progressive enhancement for the console: a region marked data-refresh-seconds reloads itself from the server
// while nobody is typing in it. Without script the page still works (its Refresh link).
(() => {
  const live = document.querySelector('[data-refresh-seconds]');
  if (!live) return;
  const every = Number(live.getAttribute('data-refresh-seconds')) * 1000 || 5000;
  const busy = () => {
    const a = document.activeElement;
    if (a && live.contains(a) && a !== document.body) return true;
    return [...live.querySelectorAll('input:not([type=hidden])')].some((i) => i.value !== '');
  };
  setInterval(async () => {
    if (document.hidden || busy()) return;
    try {
      const res = await fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.querySelector('[data-refresh-seconds]');
      if (fresh && fresh.innerHTML !== live.innerHTML) live.innerHTML = fresh.innerHTML;
    } catch {
      // offline for a moment: the next tick tries again
    }
  }, every);
})();
