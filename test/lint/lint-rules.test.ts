// The two lint rules that keep one owner per ledger rule (eslint.config.js): planted violations are caught where
// they are forbidden and let through where they belong.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });
const problems = async (filePath: string, code: string) => {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId);
};

describe('ledger writes live in src/domain and src/ops', () => {
  const planted = [
    "export const q = `update farmers set current_balance = 0 where id = ${'x'}`;",
    "export const q = 'INSERT INTO daily_entries (id) values (1)';",
    'export const q = sql`delete   from security_logs where id = ${1}`;',
    "export const q = 'insert into inbound_messages (id) values (1)';",
  ];

  it('catches a planted write in the chat, the web API and the jobs', async () => {
    for (const code of planted) {
      expect(await problems('src/chat/planted.ts', code)).toEqual(['ledger/no-ledger-writes']);
      expect(await problems('src/http/api/planted.ts', code)).toEqual(['ledger/no-ledger-writes']);
      expect(await problems('src/jobs/planted.ts', code)).toEqual(['ledger/no-ledger-writes']);
    }
  });

  it('lets the same SQL through in the domain and the operator tools, and reads are fine anywhere', async () => {
    for (const code of planted) {
      expect(await problems('src/domain/entries/planted.ts', code)).toEqual([]);
      expect(await problems('src/ops/planted.ts', code)).toEqual([]);
    }
    expect(await problems('src/chat/planted.ts', "export const q = 'select * from farmers; update daily_entries_archive set x = 1';")).toEqual([]);
  });
});

describe('src/domain does not import words, documents or transports', () => {
  it('catches i18n, pdf/, chat/, http/, outbox/ and the i18next package', async () => {
    for (const from of [
      '../../i18n.js',
      '../../pdf/render-pool.js',
      '../../chat/receipts.js',
      '../../http/request.js',
      '../../outbox/documents.js',
      '../../inbox/inbox-processor.js',
      'i18next',
    ]) {
      expect(await problems('src/domain/entries/planted.ts', `import { x } from '${from}';\nexport const y = x;`)).toEqual(['no-restricted-imports']);
    }
    expect(await problems('src/domain/planted.ts', "import { x } from '../channels/channel.js';\nexport const y = x;")).toEqual([
      'no-restricted-imports',
    ]);
  });

  it("allows the domain's own features (domain/inbox is not the inbox worker) and the layers to import the domain", async () => {
    expect(await problems('src/domain/entries/planted.ts', "import { x } from '../inbox/claims.js';\nexport const y = x;")).toEqual([]);
    expect(await problems('src/domain/entries/planted.ts', "import { x } from '../money.js';\nexport const y = x;")).toEqual([]);
    expect(await problems('src/chat/planted.ts', "import { x } from '../i18n.js';\nexport const y = x;")).toEqual([]);
  });
});
