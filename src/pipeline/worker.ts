// The pipeline worker thread (PIPELINE_THREAD=worker): its own database pool, inbox pipeline, outbox with its
// own Cloud API sender and statement renderer, and the scheduled jobs. The HTTP thread stores webhook deliveries
// and posts their ids here; everything that decides correctness is in PostgreSQL, as with replicas.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../logger.js';
import { openDatabase } from '../db/orm.js';
import { createChannel } from '../channels/create-channel.js';
import { statementRenderPool } from '../pdf/render-pool.js';
import { createBackground } from './background.js';
import { lowerThisThreadPriority } from './priority.js';
import type { FromPipeline, PipelineWorkerData, ToPipeline } from './thread.js';

const port = parentPort!;
const { config, poolSize, tuning } = workerData as PipelineWorkerData;
const logger = createLogger(config).child({ thread: 'pipeline' });
const post = (m: FromPipeline) => port.postMessage(m);
// First, so that the render workers this thread starts inherit it.
const priority = lowerThisThreadPriority(config.pipelineNice);

const db = await openDatabase({ ...config, dbPoolSize: poolSize });
// Over a server database (always, on this thread) each render worker reads its own statements.
const renderer = statementRenderPool(db);
const channel = await createChannel(config, { db, logger });
const background = createBackground({ config, db, logger, channel, renderer }, tuning);

let stopping: Promise<void> | undefined;
port.on('message', (m: ToPipeline) => {
  switch (m.type) {
    case 'submit':
      background.inbox.submit(m.ids);
      break;
    case 'idle':
      void background.inbox.idle().then(() => post({ type: 'idle', seq: m.seq }));
      break;
    case 'stop':
      stopping ??= (async () => {
        await background.stop();
        await channel.stop();
        await renderer.close();
        await db.close();
        post({ type: 'stopped' });
      })();
      break;
  }
});

await background.start();
post({ type: 'ready', priority });
