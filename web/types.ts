// The API's JSON shapes live with the routes that send them (src/dashboard/api-types.ts, import-free), so that
// the server is checked against the same contract the views read.
export type * from '../src/dashboard/api-types.js';
