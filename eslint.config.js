// ESLint (flat config). A small rule set on purpose: the dependency direction of the domain, and where ledger
// writes may live (docs/architecture.md). Formatting is Prettier's job (npm run format).
import tseslint from 'typescript-eslint';
import ledger from './eslint/ledger-writes.js';

/** What src/domain must never import: words (i18n), renderers and transports. */
const LAYERS = '(i18n|pdf|chat|channels|http|jobs|outbox|inbox)';
const domainImports = (up) => [
  'error',
  {
    paths: ['i18next', 'pdfkit', 'hono', 'whatsapp-web.js'].map((name) => ({
      name,
      message: 'src/domain returns facts; words, documents and transports live at the edges.',
    })),
    patterns: [
      {
        regex: `^${up}${LAYERS}(\\.js|/.*)?$`,
        message:
          'src/domain must not import i18n, pdf/, chat/, channels/, http/, jobs/, outbox/ or inbox/: they depend on the domain, not the reverse.',
      },
    ],
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.js'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
    plugins: { ledger, '@typescript-eslint': tseslint.plugin },
    // Registered so existing disable comments name a known rule; its rules are not switched on.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  // src/domain/money.ts sits one level down, src/domain/entries/record-entries.ts two.
  { files: ['src/domain/*.ts'], rules: { 'no-restricted-imports': domainImports('\\.\\./') } },
  { files: ['src/domain/*/**/*.ts'], rules: { 'no-restricted-imports': domainImports('\\.\\./\\.\\./') } },
  { files: ['src/**/*.ts'], ignores: ['src/domain/**', 'src/ops/**'], rules: { 'ledger/no-ledger-writes': 'error' } },
);
