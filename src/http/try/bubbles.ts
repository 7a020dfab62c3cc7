// The try-it page's look: a phone-sized column of WhatsApp-like bubbles, and beside it (below, on a phone) the
// messages the bot sent to other people.
export const chatBubbles = `
main.try{display:flex;flex-wrap:wrap;gap:1.2rem;align-items:flex-start;max-width:none}
.phone{width:min(100%,24rem);border:10px solid #222;border-radius:28px;background:#e5ddd5;display:flex;flex-direction:column;height:min(80vh,42rem);overflow:hidden}
.phone .who{background:#075e54;color:#fff;padding:.5rem .7rem}
.phone .who label{color:#fff}
.phone .who select,.phone .who input{width:100%}
.chat{list-style:none;margin:0;padding:.6rem;display:flex;flex-direction:column;gap:.35rem;overflow-y:auto;flex:1}
.others{flex:1;min-width:16rem;max-width:34rem}
.others .chat{background:#f0ece6;border-radius:8px;max-height:42rem;min-height:6rem}
.bubble{max-width:85%;padding:.4rem .6rem;border-radius:8px;white-space:pre-wrap;word-wrap:break-word;box-shadow:0 1px 1px rgba(0,0,0,.15);font-size:.95rem}
.bubble.me{align-self:flex-end;background:#dcf8c6}
.bubble.bot{align-self:flex-start;background:#fff}
.bubble .meta{display:block;font-size:.72rem;color:#667;text-align:right;margin-top:.15rem}
.bubble .to{display:block;font-size:.75rem;color:#075e54;font-weight:600}
.bubble ol.choices{margin:.3rem 0 0;padding-left:1.3rem}
.bubble a.doc{display:block;padding:.4rem;border:1px solid #ccc;border-radius:6px;background:#f7f7f7;text-decoration:none}
.compose{display:flex;gap:.4rem;padding:.4rem;background:#f0f0f0}
.compose textarea{flex:1;resize:none}
.small{font-size:.8rem;margin:.2rem .5rem}
`;
