// Lint rule: SQL that writes a ledger table (insert/update/delete) belongs in src/domain/<feature>/ or src/ops/.
// It reads every string and template literal (tagged `sql` templates too) of the files it is switched on for.
export const LEDGER_TABLES = [
  'daily_entries',
  'cash_advances',
  'adjustments',
  'settlements',
  'settlement_items',
  'farmers',
  'notifications',
  'security_logs',
  'inbound_messages',
  'buyers',
  'sales',
  'collections',
  'collection_allocations',
  'sale_rates',
];

const WRITE = new RegExp(`\\b(insert\\s+into|update|delete\\s+from)\\s+(${LEDGER_TABLES.join('|')})\\b`, 'i');

/** The first ledger write in a piece of SQL text, or null. */
export function ledgerWriteIn(text) {
  const m = WRITE.exec(text);
  return m ? `${m[1].replace(/\s+/g, ' ').toLowerCase()} ${m[2]}` : null;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'No SQL writing a ledger table outside src/domain and src/ops' },
    schema: [],
    messages: { write: '"{{write}}": ledger writes live in src/domain/<feature>/ or src/ops/ (docs/architecture.md)' },
  },
  create(context) {
    const check = (node, text) => {
      const write = ledgerWriteIn(text);
      if (write) context.report({ node, messageId: 'write', data: { write } });
    };
    return {
      Literal(node) {
        if (typeof node.value === 'string') check(node, node.value);
      },
      TemplateLiteral(node) {
        // Interpolations split the text; a space in their place keeps "update ${t}" from reading as one word.
        check(node, node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' '));
      },
    };
  },
};

export default { rules: { 'no-ledger-writes': rule } };
