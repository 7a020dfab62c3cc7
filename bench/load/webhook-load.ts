// The load generator, run as its own process (never inside the service): autocannon POSTs signed Cloud API
// webhook deliveries, one text message each, every one with a fresh message id. Prints autocannon's result as JSON.
//   node --import tsx bench/load/webhook-load.ts '<json LoadSpec>'
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  appSecret: string;
  phoneNumberId: string;
  connections: number;
  amount: number;
  runId: string;
  /** Unix seconds put in each message's timestamp. */
  timestamp: number;
  /** Text for message n (from a fixed list of templates, see textFor). */
  kind: 'entry' | 'balance';
  senders: number;
  farmers: number;
}

const ENTRY_TEMPLATES = [
  (f: string) => `${f} malli 12.5`,
  (f: string) => `${f} மல்லி 8.5 கிலோ`,
  (f: string) => `${f} rose 4.2kg`,
  (f: string) => `${f} சாமந்தி 6.5`,
  (f: string) => `${f} sendu 20`,
  (f: string) => `${f} ரோஜா 3.75`,
];

const pad = (n: number) => String(n).padStart(9, '0');

/** Message n of a run: who sends it and what it says. Staff send entries; farmers ask for their balance. */
export function messageFor(spec: Pick<LoadSpec, 'kind' | 'senders' | 'farmers'>, n: number): { from: string; text: string } {
  if (spec.kind === 'balance') {
    const farmer = 1 + ((n * 7919) % spec.farmers);
    return { from: `919${pad(100000000 + farmer)}`, text: n % 2 ? 'bal' : 'இருப்பு' };
  }
  const staff = 1 + (n % spec.senders);
  const farmer = 1 + ((n * 7919) % spec.farmers);
  return { from: `918${pad(staff)}`, text: ENTRY_TEMPLATES[n % ENTRY_TEMPLATES.length]!(`FAR${1000 + farmer}`) };
}

export function deliveryFor(spec: LoadSpec, n: number): string {
  const { from, text } = messageFor(spec, n);
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: spec.phoneNumberId },
              contacts: [{ profile: { name: 'Bench' }, wa_id: from }],
              messages: [{ from, id: `wamid.${spec.runId}.${n}`, timestamp: String(spec.timestamp), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
}

async function main() {
  const spec = JSON.parse(process.argv[2]!) as LoadSpec;
  let n = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    amount: spec.amount,
    // autocannon notices that `amount` is done only at its next sample tick: with the default 1 s tick every
    // stage's duration (and so the ack rate and "fully processed") came out rounded up to whole seconds.
    sampleInt: 10,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/whatsapp',
        setupRequest: (req) => {
          const body = deliveryFor(spec, n++);
          const sig = createHmac('sha256', spec.appSecret).update(body).digest('hex');
          return { ...req, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${sig}` } };
        },
      },
    ],
  });
  process.stdout.write(
    JSON.stringify({
      sent: n,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      durationS: result.duration,
      // autocannon's requests.average is a mean of whole-second samples; count over the real duration instead.
      requestsPerSec: result['2xx'] / result.duration,
      latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    }),
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
