// Outgoing buttons and lists against Meta's limits, counted in characters (code points), not bytes, in Tamil.
import { describe, expect, it } from 'vitest';
import { charCount, fitText, interactivePayload, META_LIMITS } from '../../src/channels/cloud-api/interactive.js';
import { farmerMenu, undoChoice } from '../../src/chat/conversation.js';
import { numberedMenu } from '../../src/domain/notifications/choices.js';

const graphemes = (s: string) => Array.from(new Intl.Segmenter('ta', { granularity: 'grapheme' }).segment(s), (g) => g.segment);

describe("the farmer's list", () => {
  it("fits Meta's list limits in Tamil without cutting a word, though the bytes are far over", () => {
    const p = interactivePayload('வணக்கம்!', farmerMenu('ta'));
    expect(p?.type).toBe('list');
    if (p?.type !== 'list') return;
    const rows = p.action.sections.flatMap((s) => s.rows);
    expect(rows.map((r) => r.id)).toEqual(['bal', 'rates', 'today', 'stmt', 'lang en']);
    expect(rows.length).toBeLessThanOrEqual(META_LIMITS.listRows);
    // "இன்று என் பூக்கள்": 15 Tamil code points and 2 spaces = 17 characters, but 47 bytes in UTF-8.
    expect(rows[2]!.title).toBe('இன்று என் பூக்கள்');
    expect(charCount(rows[2]!.title)).toBe(17);
    expect(Buffer.byteLength(rows[2]!.title)).toBe(47);
    for (const r of rows) {
      expect(charCount(r.title), r.title).toBeLessThanOrEqual(24);
      expect(charCount(r.description ?? ''), r.description).toBeLessThanOrEqual(72);
      expect(r.title.endsWith('…') || (r.description ?? '').endsWith('…'), 'nothing of the list had to be cut').toBe(false);
    }
    expect(p.action.button).toBe('பட்டியல்');
    expect(charCount(p.action.button)).toBeLessThanOrEqual(20);
  });

  it('in English offers Tamil as the language row', () => {
    const p = interactivePayload('Vanakkam!', farmerMenu('en'));
    if (p?.type !== 'list') throw new Error('not a list');
    expect(p.action.sections[0]!.rows.map((r) => [r.id, r.title])).toEqual([
      ['bal', 'My balance'],
      ['rates', "Today's rates"],
      ['today', 'My deliveries today'],
      ['stmt', 'Statement'],
      ['lang ta', 'தமிழில் பதில்'],
    ]);
  });
});

describe('fitting text to a limit', () => {
  it('cuts a long Tamil title between whole letters, to at most the limit in characters', () => {
    const long = 'முகவர் இப்போது உங்களுக்குத் தர வேண்டியது';
    const cut = fitText(long, 20);
    expect(charCount(cut)).toBeLessThanOrEqual(20);
    expect(cut.endsWith('…')).toBe(true);
    // What is kept is a run of whole letters from the start: no vowel sign or virama left hanging.
    const kept = graphemes(cut.slice(0, -1));
    expect(graphemes(long).slice(0, kept.length)).toEqual(kept);
    // முகவர் (ம ு க வ ர ்) 6 + space + இப்போது (இ ப ் ப ோ த ு) 7 + space + உ ங ் க 4 = 19 characters; the next
    // letter ளு (2) would pass the 19 left beside '…'.
    expect(cut).toBe('முகவர் இப்போது உங்க…');
  });

  it('leaves a title at the limit alone', () => {
    expect(fitText('12345678901234567890', 20)).toBe('12345678901234567890');
  });
});

describe('reply buttons', () => {
  it('the undo button names the entry and fits 20 characters', () => {
    const p = interactivePayload('✓ #12 FAR002 மல்லிகை 12.5 கிலோ', undoChoice('ta', '12'));
    expect(p).toEqual({
      type: 'button',
      body: { text: '✓ #12 FAR002 மல்லிகை 12.5 கிலோ' },
      action: { buttons: [{ type: 'reply', reply: { id: 'void 12 undo', title: 'ரத்து #12' } }] },
    });
  });

  it('more than 3 buttons, or a body over 1,024 characters, is not sent as buttons (the text menu is used)', () => {
    const four = { style: 'buttons' as const, numberHint: '', items: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id })) };
    expect(interactivePayload('body', four)).toBeNull();
    // 1,025 Tamil letters: too long, although 400 of them would already be 1,200 bytes.
    expect(interactivePayload('க'.repeat(1025), undoChoice('ta', '1'))).toBeNull();
    expect(interactivePayload('க'.repeat(1024), undoChoice('ta', '1'))).not.toBeNull();
  });
});

describe('the numbered text menu', () => {
  it('lists the choices by number under the text, with the hint', () => {
    expect(numberedMenu('Vanakkam!', farmerMenu('en'))).toBe(
      [
        'Vanakkam!',
        '',
        '1 · My balance — What the agent owes you now',
        "2 · Today's rates — Rate of each flower today",
        '3 · My deliveries today — Your flowers weighed today',
        '4 · Statement — Your account statement as a PDF',
        '5 · தமிழில் பதில் — Reply in Tamil',
        '',
        'Reply with a number, or type a command.',
      ].join('\n'),
    );
  });

  it('buttons as one short line under the text', () => {
    expect(numberedMenu('✓ #12 FAR002 Jasmine 2 kg', undoChoice('en', '12'))).toBe('✓ #12 FAR002 Jasmine 2 kg\n[1] Undo #12');
  });
});
