// The parser as a table: real-looking lines and what they must become. Expected values written by hand.
import { describe, expect, it } from 'vitest';
import { parseLine, type Vocabulary } from '../../src/chat/parse.js';
import { REFERENCE_FLOWERS, REFERENCE_SLOTS } from '../../seeds/reference-data.js';

// The seeded flower and slot rows (codes and names as ids): the parser sees data, not a word list of its own.
const vocab: Vocabulary = {
  flowers: REFERENCE_FLOWERS.map((f) => ({ id: f.code, code: f.code, name: f.name, nameTa: f.nameTa, unit: f.unit, aliases: f.aliases })),
  slots: REFERENCE_SLOTS.map((s) => ({ id: s.name, name: s.name, nameTa: s.nameTa, aliases: s.aliases })),
};

const entry = (farmerCode: string, flowerId: string, quantity: string, rate: string | null = null, slotId: string | null = null) => ({
  ok: true,
  command: { kind: 'entry', farmerCode, flowerId, quantity, rate, slotId },
});
const cmd = (command: Record<string, unknown>) => ({ ok: true, command });
const err = (error: string, word?: string) => ({ ok: false, error, ...(word === undefined ? {} : { word }) });

const table: [string, unknown][] = [
  // Entries, English and Tanglish
  ['FAR001 malli 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['far1 malli 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['1 malli 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 MALLI 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['   FAR001    malli     12.5   ', entry('FAR001', 'FLW002', '12.5')],
  ['Far001 Jasmine 12', entry('FAR001', 'FLW002', '12')],
  ['FAR001 malli 12.5kg', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 malli 12.5 KG', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 malli 12.50 kgs', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 malli 12½', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 malli ½', entry('FAR001', 'FLW002', '0.5')],
  ['FAR001 malli 3¾', entry('FAR001', 'FLW002', '3.75')],
  ['FAR001 malli 1,250', entry('FAR001', 'FLW002', '1250')],
  ['far2 rose 1,25,000', entry('FAR002', 'FLW001', '125000')],
  ['far2 rose 1,250.5', entry('FAR002', 'FLW001', '1250.5')],
  ['FAR001 malli 12.5 @450', entry('FAR001', 'FLW002', '12.5', '450')],
  ['FAR001 malli 12.5 @ 450.50', entry('FAR001', 'FLW002', '12.5', '450.5')],
  ['FAR001 malli 12.5 @₹450', entry('FAR001', 'FLW002', '12.5', '450')],
  ['FAR001 malli 12.5 peak', entry('FAR001', 'FLW002', '12.5', null, 'Morning Peak')],
  ['FAR001 malli 12.5 early morning', entry('FAR001', 'FLW002', '12.5', null, 'Early Morning')],
  ['FAR001 malli 12.5 earlymorning', entry('FAR001', 'FLW002', '12.5', null, 'Early Morning')],
  ['FAR001 malli 12.5 @400 maalai', entry('FAR001', 'FLW002', '12.5', '400', 'Evening')],
  ['malli FAR001 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 12.5 malli', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 flw002 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 jasmine 12.5 🌸', entry('FAR001', 'FLW002', '12.5')],
  ['🌸🌸 FAR001 jasmine 12.5 👍🏽', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001, malli, 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 malli 12.5.', entry('FAR001', 'FLW002', '12.5')],
  ['far-01 sendumalli 3', entry('FAR001', 'FLW003', '3')],
  ['FAR3 samanthi 2', entry('FAR003', 'FLW005', '2')],
  ['far2 lotus 40', entry('FAR002', 'FLW004', '40')],
  ['far2 thamarai 40 pcs', entry('FAR002', 'FLW004', '40')],
  ['far2 rose 500g', entry('FAR002', 'FLW001', '0.5')],
  ['far2 rose 1250 grams', entry('FAR002', 'FLW001', '1.25')],
  ['FAR001 malli\u00a012.5\u200b', entry('FAR001', 'FLW002', '12.5')],
  // Entries in Tamil
  ['FAR001 மல்லி 12.5', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 மல்லிகை 12.5 கிலோ', entry('FAR001', 'FLW002', '12.5')],
  ['FAR001 மல்லிகை 12.5கிலோ', entry('FAR001', 'FLW002', '12.5')],
  ['FAR3 செண்டுமல்லி 3.125', entry('FAR003', 'FLW003', '3.125')],
  ['FAR2 சாமந்தி 2', entry('FAR002', 'FLW005', '2')],
  ['FAR2 தாமரை 40 எண்ணம்', entry('FAR002', 'FLW004', '40')],
  ['2 ரோஜா 8 காலை உச்சம்', entry('FAR002', 'FLW001', '8', null, 'Morning Peak')],
  ['2 ரோஜா 8 காலை', entry('FAR002', 'FLW001', '8', null, 'Early Morning')],
  ['2 ரோஜா 8 கிலோ மதியம் @95', entry('FAR002', 'FLW001', '8', '95', 'Afternoon')],
  // Entries that must be refused
  ['FAR001 mali 12', err('unknown_word', 'mali')],
  ['FAR001 malli', err('no_quantity')],
  ['FAR001 12', err('no_flower')],
  ['FAR001 malli 0', err('zero_quantity')],
  ['FAR001 malli 0.000', err('zero_quantity')],
  ['FAR001 malli 12,5', err('ambiguous_comma', '12,5')],
  ['FAR001 malli 12,50', err('ambiguous_comma', '12,50')],
  ['FAR001 malli 1,2,3', err('not_a_number', '1,2,3')],
  ['FAR001 malli 12.5.5', err('not_a_number', '12.5.5')],
  ['FAR001 malli -5', err('not_a_number', '-5')],
  ['FAR001 malli 12.3456', err('too_many_decimals', '12.3456')],
  ['FAR001 malli 12 13', err('two_quantities', '13')],
  ['FAR001 malli rose 12', err('two_flowers', 'rose')],
  ['FAR001 malli 12 @abc', err('bad_rate', 'abc')],
  ['FAR001 malli 12 @0', err('bad_rate', '0')],
  ['far2 lotus 40 kg', err('unit_mismatch', 'FLW004')],
  ['far2 lotus 500g', err('unit_mismatch', 'FLW004')],
  ['FAR001 malli 99999999', err('too_large')],
  ['FARX malli 12', err('bad_farmer', 'farx')],
  ['FAR000 malli 12', err('bad_farmer', 'far000')],
  // Balances, rates, today, statements
  ['bal', cmd({ kind: 'balance', farmerCode: null })],
  ['BAL FAR002', cmd({ kind: 'balance', farmerCode: 'FAR002' })],
  ['bal 2', cmd({ kind: 'balance', farmerCode: 'FAR002' })],
  ['balance?', cmd({ kind: 'balance', farmerCode: null })],
  ['இருப்பு', cmd({ kind: 'balance', farmerCode: null })],
  ['iruppu far3', cmd({ kind: 'balance', farmerCode: 'FAR003' })],
  ['bal far2 far3', err('bad_farmer', 'far3')],
  ['bal rose', err('bad_farmer', 'rose')],
  ['rates', cmd({ kind: 'rates' })],
  ['விலை', cmd({ kind: 'rates' })],
  ['Vilai', cmd({ kind: 'rates' })],
  ['today', cmd({ kind: 'today' })],
  ['இன்று', cmd({ kind: 'today' })],
  ['stmt', cmd({ kind: 'statement', farmerCode: null })],
  ['stmt FAR001', cmd({ kind: 'statement', farmerCode: 'FAR001' })],
  ['அறிக்கை', cmd({ kind: 'statement', farmerCode: null })],
  ['paid FAR001 UPI-7781 cash', cmd({ kind: 'paid', farmerCode: 'FAR001', reference: 'UPI-7781 cash' })],
  ['paid FAR001', err('need_reference')],
  // An admin's settlement corrections: by number (as typed; looked up in capitals too) or by farmer code; a reason always.
  ['unpay S-2026W47-FAR001 Paid to wrong farmer', cmd({ kind: 'unpay', settlement: { number: 'S-2026W47-FAR001' }, reason: 'Paid to wrong farmer' })],
  ['unpay s-2026w47-far001-2 again', cmd({ kind: 'unpay', settlement: { number: 's-2026w47-far001-2' }, reason: 'again' })],
  ['செலுத்தவில்லை far3 தவறு', cmd({ kind: 'unpay', settlement: { farmerCode: 'FAR003' }, reason: 'தவறு' })],
  ['reopen S-2026M11-FAR002 wrong weight', cmd({ kind: 'reopen', settlement: { number: 'S-2026M11-FAR002' }, reason: 'wrong weight' })],
  ['மறுதிற FAR002 எடை தவறு', cmd({ kind: 'reopen', settlement: { farmerCode: 'FAR002' }, reason: 'எடை தவறு' })],
  ['unpay S-2026W47-FAR001', err('need_reason_unpay')],
  ['unpay', err('need_settlement_unpay')],
  ['unpay 3 wrong', err('need_settlement_unpay', '3')],
  ['reopen S12 wrong', err('need_settlement_reopen', 's12')],
  // Help and language
  ['help', cmd({ kind: 'help' })],
  ['HELP!', cmd({ kind: 'help' })],
  ['/help', cmd({ kind: 'help' })],
  ['?', cmd({ kind: 'help' })],
  ['உதவி', cmd({ kind: 'help' })],
  ['lang ta', cmd({ kind: 'lang', language: 'ta' })],
  ['lang EN', cmd({ kind: 'lang', language: 'en' })],
  ['மொழி தமிழ்', cmd({ kind: 'lang', language: 'ta' })],
  ['தமிழ்', cmd({ kind: 'lang', language: 'ta' })],
  ['English', cmd({ kind: 'lang', language: 'en' })],
  ['lang fr', err('bad_language', 'fr')],
  // Advances
  ['adv FAR001 500 seeds', cmd({ kind: 'advance', farmerCode: 'FAR001', amount: '500', reason: 'seeds' })],
  ['முன்பணம் far2 1,500 விதை வாங்க', cmd({ kind: 'advance', farmerCode: 'FAR002', amount: '1500', reason: 'விதை வாங்க' })],
  ['adv FAR001 ₹500', cmd({ kind: 'advance', farmerCode: 'FAR001', amount: '500', reason: null })],
  ['advance 3 250.50 Bus Fare', cmd({ kind: 'advance', farmerCode: 'FAR003', amount: '250.5', reason: 'Bus Fare' })],
  ['adv FAR001 0', err('bad_amount', '0')],
  ['adv FAR001 abc', err('bad_amount', 'abc')],
  ['adv FAR001 100.555', err('too_many_decimals', '100.555')],
  ['adv FAR001', err('bad_amount')],
  ['adv malli 500', err('bad_farmer', 'malli')],
  // Undo and void
  ['undo', cmd({ kind: 'undo' })],
  ['ரத்து', cmd({ kind: 'undo' })],
  ['void 123 wrong weight', cmd({ kind: 'void', entryNo: '123', reason: 'wrong weight' })],
  ['void #0123 Wrong Farmer', cmd({ kind: 'void', entryNo: '123', reason: 'Wrong Farmer' })],
  ['ரத்து 45 எடை தவறு', cmd({ kind: 'void', entryNo: '45', reason: 'எடை தவறு' })],
  ['void 123', err('need_reason')],
  ['void', err('need_entry_no')],
  ['void abc mistake', err('need_entry_no', 'abc')],
  // Nothing, or nothing we know
  ['', err('empty')],
  ['     ', err('empty')],
  ['🙏', err('empty')],
  ['hello', err('unknown_command', 'hello')],
  ['blance', err('unknown_command', 'blance')],
  ['வணக்கம்', err('unknown_command', 'வணக்கம்')],
];

describe('parseLine', () => {
  it('has a table of at least 60 lines', () => {
    expect(table.length).toBeGreaterThanOrEqual(60);
  });
  it.each(table)('%j', (line, expected) => {
    expect(parseLine(line, vocab)).toEqual(expected);
  });
});
