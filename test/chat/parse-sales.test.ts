// The buyers' grammar as a table (src/chat/parse-sales.ts through parseLine). Expected values written by hand.
import { describe, expect, it } from 'vitest';
import { parseLine, type Vocabulary } from '../../src/chat/parse.js';
import { REFERENCE_FLOWERS, REFERENCE_SLOTS } from '../../seeds/reference-data.js';

const vocab: Vocabulary = {
  flowers: REFERENCE_FLOWERS.map((f) => ({ id: f.code, code: f.code, name: f.name, nameTa: f.nameTa, unit: f.unit, aliases: f.aliases })),
  slots: REFERENCE_SLOTS.map((s) => ({ id: s.name, name: s.name, nameTa: s.nameTa, aliases: s.aliases })),
};
const ok = (command: Record<string, unknown>) => ({ ok: true, command });
const err = (error: string, word?: string) => ({ ok: false, error, ...(word === undefined ? {} : { word }) });
const sale = (buyerCode: string, flowerId: string, quantity: string, rate: string | null, override = false) =>
  ok({ kind: 'sale', buyerCode, flowerId, quantity, rate, override });

const table: [string, unknown][] = [
  ['sale B001 malli 10 @460', sale('B001', 'FLW002', '10', '460')],
  ['விற்பனை B001 மல்லி 10 @460', sale('B001', 'FLW002', '10', '460')],
  ['sale b1 rose 8.5kg', sale('B001', 'FLW001', '8.5', null)],
  ['sale B002 malli 8 !', sale('B002', 'FLW002', '8', null, true)],
  ['sale B002 malli 8 @450!', sale('B002', 'FLW002', '8', '450', true)],
  ['sale FAR001 malli 8', err('bad_buyer', 'far001')],
  ['sale B001 mali 8', err('unknown_word', 'mali')],
  ['sale B001 lotus 4 kg', err('unit_mismatch', 'FLW004')],
  ['coll B001 5000 cash', ok({ kind: 'collection', buyerCode: 'B001', amount: '5000', mode: 'cash', reference: null })],
  ['coll B001 5000', ok({ kind: 'collection', buyerCode: 'B001', amount: '5000', mode: 'cash', reference: null })],
  ['coll B001 2500 upi 4471XX', ok({ kind: 'collection', buyerCode: 'B001', amount: '2500', mode: 'upi', reference: '4471XX' })],
  ['வசூல் B003 1,25,000 வங்கி NEFT 99', ok({ kind: 'collection', buyerCode: 'B003', amount: '125000', mode: 'bank', reference: 'NEFT 99' })],
  ['coll B001 2500 upi', err('need_upi_reference')],
  ['coll B001 2500 cheque 12', err('bad_mode', 'cheque')],
  ['coll B001 0 cash', err('bad_collection_amount', '0')],
  ['void S12 wrong buyer', ok({ kind: 'saleVoid', saleNo: '12', reason: 'wrong buyer' })],
  ['ரத்து s12 தவறு', ok({ kind: 'saleVoid', saleNo: '12', reason: 'தவறு' })],
  ['void S12', err('need_sale_reason')],
  ['fix S12 8', ok({ kind: 'saleFix', saleNo: '12', quantity: '8', rate: null })],
  ['fix S12 @450', ok({ kind: 'saleFix', saleNo: '12', quantity: null, rate: '450' })],
  ['திருத்து S12 7.5 @ 440', ok({ kind: 'saleFix', saleNo: '12', quantity: '7.5', rate: '440' })],
  ['fix S12', err('need_fix')],
  ['bal B002', ok({ kind: 'buyerBalance', buyerCode: 'B002' })],
  ['stmt b2', ok({ kind: 'buyerStatement', buyerCode: 'B002' })],
  ['bill', ok({ kind: 'buyerBill', buyerCode: null })],
  ['பில் B001', ok({ kind: 'buyerBill', buyerCode: 'B001' })],
  // The farmers' commands are untouched.
  ['void 12 wrong weight', ok({ kind: 'void', entryNo: '12', reason: 'wrong weight' })],
  ['bal FAR001', ok({ kind: 'balance', farmerCode: 'FAR001' })],
  ['bal', ok({ kind: 'balance', farmerCode: null })],
];

describe('the buyers grammar', () => {
  it.each(table)('%s', (line, expected) => {
    expect(parseLine(line, vocab)).toEqual(expected);
  });
});
