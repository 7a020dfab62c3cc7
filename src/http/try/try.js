// The try-it page: send what is typed as the chosen phone, then poll the outbox feed and draw the bot's messages
// as bubbles: those to the chosen phone in the chat, those to anybody else beside it.
(() => {
  const $ = (id) => document.getElementById(id);
  const who = $('who');
  const other = $('other');
  const chat = $('chat');
  const others = $('others');
  const text = $('text');
  let last = null;
  const remembered = localStorage.getItem('malar-try-who');
  if (remembered && [...who.options].some((o) => o.value === remembered)) who.value = remembered;
  const me = () => (who.value || other.value || '').replace(/[\s-]/g, '');
  const showOther = () => {
    $('other-wrap').hidden = who.value !== '';
    localStorage.setItem('malar-try-who', who.value);
  };
  who.addEventListener('change', () => {
    chat.replaceChildren();
    showOther();
  });
  showOther();

  const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  function bubble(list, cls, m, label) {
    const li = document.createElement('li');
    li.className = `bubble ${cls}`;
    if (label) {
      const to = document.createElement('span');
      to.className = 'to';
      to.textContent = label;
      li.append(to);
    }
    if (m.kind === 'document') {
      const a = document.createElement('a');
      a.className = 'doc';
      a.href = m.document.href;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = `📄 ${m.document.filename}`;
      li.append(a);
    }
    if (m.text) li.append(document.createTextNode(m.text));
    if (m.choices && m.choices.length) {
      const ol = document.createElement('ol');
      ol.className = 'choices';
      for (const c of m.choices) {
        const item = document.createElement('li');
        item.textContent = c;
        ol.append(item);
      }
      li.append(ol);
    }
    const meta = document.createElement('span');
    meta.className = 'meta';
    const mark = { sent: ' ✓✓', delivered: ' ✓✓', read: ' ✓✓', failed: ' ✗' }[m.status] ?? '';
    meta.textContent = `${clock(m.createdAt)}${mark}`;
    li.append(meta);
    list.append(li);
    list.scrollTop = list.scrollHeight;
    return li;
  }

  async function poll() {
    try {
      const res = await fetch(`/try/api/feed?after=${last ?? 'latest'}`, { credentials: 'same-origin' });
      if (res.ok) {
        const body = await res.json();
        for (const m of body.items) {
          if (m.to === me()) bubble(chat, 'bot', m);
          else bubble(others, 'bot', m, `→ ${m.to}`);
        }
        last = body.last;
      }
    } catch {
      // the service restarts: try again at the next tick
    }
    setTimeout(poll, 800);
  }

  async function send(event) {
    event.preventDefault();
    const value = text.value;
    if (!value.trim() || !me()) return;
    const mine = bubble(chat, 'me', { text: value, createdAt: new Date().toISOString(), status: '' });
    text.value = '';
    const res = await fetch('/try/api/messages', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: me(), text: value }),
    });
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      mine.querySelector('.meta').textContent = `✗ ${err.error?.message ?? res.status}`;
    } else mine.querySelector('.meta').textContent += ' ✓';
  }
  $('send').addEventListener('submit', send);
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('send').requestSubmit();
    }
  });
  poll();
})();
