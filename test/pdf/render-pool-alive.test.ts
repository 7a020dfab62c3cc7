// A script whose only pending work is a render must wait for it: idle workers do not hold the process open,
// busy ones do. Before, every worker was unref'd and such a script exited (code 13) without its PDF.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

it('keeps a script alive while a render is pending, then lets it exit', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-alive-'));
  const script = path.join(dir, 'render.mts');
  const pool = pathToFileURL(path.join(root, 'src', 'pdf', 'render-pool.ts')).href;
  const bench = pathToFileURL(path.join(root, 'bench', 'scenarios', 'pdf.ts')).href;
  fs.writeFileSync(
    script,
    `import { StatementRenderPool } from '${pool}';
     import { thirtyLineStatement } from '${bench}';
     const pool = new StatementRenderPool(1);
     const pdf = await pool.render(thirtyLineStatement());
     process.stdout.write(pdf.subarray(0, 5).toString('latin1') + ' ' + String(pdf.length > 1000));`,
  );
  try {
    // No pool.close(): the idle worker must not keep the process from exiting either.
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(out).toBe('%PDF- true');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
