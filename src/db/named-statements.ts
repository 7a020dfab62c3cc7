// PostgreSQL parses and plans an unnamed statement every time it is sent. The ORM (kysely underneath) sends
// every parameterised query unnamed, and a lone message's transaction spent about a millisecond of its few in
// parse and bind (bench/README.md). On this client a text sent a second time goes out as a named statement,
// prepared once per connection: later sends skip the parse and may reuse the plan.
//
// Bounded both ways: texts are counted in a map that is emptied when full, and a connection holds at most
// MAX_NAMED statements (texts that vary, like a multi-row VALUES list of each size, stay unnamed past that).
// A schema change under a prepared statement can make PostgreSQL refuse it ("cached plan must not change
// result type", or the statement gone after DISCARD): that query fails as it would have anyway mid-migration,
// and the connection starts a new generation of names, so the next try is prepared afresh.
import pg from 'pg';

const MAX_NAMED = 100;
const MAX_COUNTED = 1_000;
/** feature_not_supported (the cached plan), invalid_sql_statement_name (the statement is gone). */
const STALE = new Set(['0A000', '26000']);

type Query = (...args: unknown[]) => unknown;

export class NamedStatementClient extends pg.Client {
  private counted = new Map<string, number>();
  private names = new Map<string, string>();
  private generation = 0;

  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const plain = (pg.Client.prototype.query as Query).bind(this);
    // Only the ORM's form, query(text, values) with a promise: cursors, callbacks and simple queries pass.
    (this as unknown as { query: Query }).query = (...args: unknown[]) => {
      const [text, values] = args;
      if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values) || !values.length) return plain(...args);
      const name = this.nameOf(text);
      if (!name) return plain(text, values);
      return (plain({ name, text, values }) as Promise<pg.QueryResult>).catch((err: unknown) => {
        if (STALE.has((err as { code?: string }).code ?? '')) this.forget();
        throw err;
      });
    };
  }

  /** How many statements this connection has named (tests). */
  get namedCount(): number {
    return this.names.size;
  }

  private nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known) return known;
    if (this.names.size >= MAX_NAMED) return undefined;
    if (!this.counted.has(text)) {
      if (this.counted.size >= MAX_COUNTED) this.counted.clear();
      this.counted.set(text, 1);
      return undefined;
    }
    this.counted.delete(text);
    const name = `malar_${this.generation}_${this.names.size}`;
    this.names.set(text, name);
    return name;
  }

  private forget() {
    this.generation++;
    this.names.clear();
    this.counted.clear();
  }
}
