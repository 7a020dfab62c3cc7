// The statement's data belongs to the settlements feature; re-exported here for the renderer's modules.
export * from '../domain/settlements/statement-data.js';
