// Command words staff and farmers really type: English, Tamil and Tanglish (Tamil in Latin letters).
// Flower and slot words are NOT here: they come from the flower_types and time_slots rows.

export type Keyword =
  | 'help'
  | 'balance'
  | 'rates'
  | 'today'
  | 'statement'
  | 'paid'
  | 'advance'
  | 'undo'
  | 'void'
  | 'lang'
  | 'summary'
  | 'stop'
  | 'month'
  | 'fix'
  | 'confirm'
  | 'decline'
  | 'adjust'
  | 'approve'
  | 'reject'
  | 'reverse'
  | 'unpay'
  | 'reopen';

export const KEYWORDS: Record<Keyword, readonly string[]> = {
  help: ['help', 'h', '?', 'menu', 'உதவி', 'udhavi', 'uthavi', 'udavi'],
  balance: ['bal', 'balance', 'இருப்பு', 'iruppu', 'irupu', 'பாக்கி', 'baaki', 'baki', 'பேலன்ஸ்'],
  rates: ['rates', 'rate', 'price', 'prices', 'விலை', 'விலைகள்', 'vilai', 'velai', 'ரேட்'],
  today: ['today', 'இன்று', 'indru', 'inru', 'இன்னைக்கு', 'innaikku', 'innaiku'],
  statement: ['stmt', 'statement', 'அறிக்கை', 'arikkai', 'arikai', 'கணக்கு', 'kanakku'],
  paid: ['paid', 'செலுத்தியது', 'கொடுத்தது', 'koduthachu'],
  advance: ['adv', 'advance', 'முன்பணம்', 'munpanam', 'அட்வான்ஸ்', 'advans'],
  // 'ரத்து'/'cancel' alone undoes the last entry; with an entry number it voids that entry.
  undo: ['undo', 'ரத்து', 'rathu', 'radhu', 'rattu', 'cancel'],
  void: ['void'],
  lang: ['lang', 'language', 'மொழி', 'mozhi'],
  // Scheduled messages (src/chat/broadcast-commands.ts): the admins' day-end summary, opting out and in.
  summary: ['summary', 'சுருக்கம்', 'surukkam'],
  stop: ['stop', 'நிறுத்து', 'niruthu'],
  month: ['மாத', 'மாதம்', 'maadha', 'matha', 'monthly'],
  // One-step fix of an entry: `fix 12 9.5`, `fix 12 @180` (src/domain/entries/fix-entry.ts).
  fix: ['fix', 'திருத்து', 'திருத்தம்', 'thiruthu', 'tiruttu'],
  // Alone, after the fat-finger guard held a line: save it, or drop it.
  confirm: ['ok', 'okay', 'k', 'confirm', 'yes', 'சரி', 'sari', 'seri', 'ஆம்', 'aam'],
  decline: ['no', 'இல்லை', 'illai', 'illa', 'வேண்டாம்', 'vendam', 'venam'],
  // Admins' corrections (src/chat/corrections.ts).
  adjust: ['adj', 'adjust', 'adjustment', 'சரிசெய்', 'சரிசெய்தல்', 'sariseiy', 'sariseyi'],
  approve: ['approve', 'ஒப்புதல்', 'அனுமதி', 'oppudhal', 'anumathi'],
  reject: ['reject', 'நிராகரி', 'nirakari'],
  reverse: ['reverse', 'திருப்பு', 'thiruppu', 'tiruppu'],
  // A payment mark taken back ("not paid"), a settlement reopened.
  unpay: ['unpay', 'unpaid', 'செலுத்தவில்லை', 'seluthavillai', 'seluthalai'],
  reopen: ['reopen', 'மறுதிற', 'மறுதிறப்பு', 'marudhira', 'marutira'],
};

/** After `rates` or `stmt`: opting out of / back in to the scheduled messages. */
export const OPT_OUT_WORDS = ['off', 'stop', 'வேண்டாம்', 'vendam', 'venam'];
export const OPT_IN_WORDS = ['on', 'start', 'வேண்டும்', 'vendum', 'venum'];
/** `stmt month` / `மாத அறிக்கை`. */
export const MONTH_WORDS = ['month', 'monthly', 'மாத', 'மாதம்'];

/** Words that alone switch the reply language. */
export const LANGUAGE_WORDS: Record<string, 'ta' | 'en'> = {
  ta: 'ta',
  tamil: 'ta',
  தமிழ்: 'ta',
  en: 'en',
  eng: 'en',
  english: 'en',
  ஆங்கிலம்: 'en',
  இங்கிலீஷ்: 'en',
};

/** Unit words after a quantity. Grams are turned into kilograms. */
export const UNIT_WORDS: Record<string, 'kg' | 'piece' | 'g'> = {
  kg: 'kg',
  kgs: 'kg',
  kilo: 'kg',
  kilos: 'kg',
  கிலோ: 'kg',
  கி: 'kg',
  'கி.கி': 'kg',
  g: 'g',
  gm: 'g',
  gms: 'g',
  gram: 'g',
  grams: 'g',
  கிராம்: 'g',
  pc: 'piece',
  pcs: 'piece',
  piece: 'piece',
  pieces: 'piece',
  nos: 'piece',
  no: 'piece',
  எண்ணம்: 'piece',
  பூ: 'piece',
};

const lookup = new Map<string, Keyword>();
for (const [k, words] of Object.entries(KEYWORDS) as [Keyword, readonly string[]][]) for (const w of words) lookup.set(w, k);

export function keywordOf(word: string): Keyword | undefined {
  return lookup.get(word);
}
