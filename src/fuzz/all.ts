// Every fuzz property, by area, for `npm run fuzz`; the unit tests import their own area's list directly.
import { gosumdbProperties } from '../protocol/gosumdb.props.js';
import { zipProperties } from '../modzip/zip-check.props.js';
import { escapeProperties } from '../protocol/escape.props.js';
import { globProperties } from '../protocol/glob.props.js';
import { pathProperties } from '../protocol/paths.props.js';
import { noteProperties } from '../sumdb/note.props.js';
import { tlogProperties } from '../sumdb/tlog.props.js';
import { keyProperties } from '../storage/keys.props.js';
import { proxyListProperties } from '../protocol/proxy-list.props.js';
import type { FuzzProperty } from './property.js';

export const allProperties: ReadonlyArray<{ area: string; properties: readonly FuzzProperty[] }> = [
  { area: 'protocol/paths', properties: pathProperties },
  { area: 'protocol/escape', properties: escapeProperties },
  { area: 'storage/keys', properties: keyProperties },
  { area: 'protocol/glob', properties: globProperties },
  { area: 'protocol/proxy-list', properties: proxyListProperties },
  { area: 'protocol/gosumdb', properties: gosumdbProperties },
  { area: 'modzip', properties: zipProperties },
  { area: 'sumdb/note', properties: noteProperties },
  { area: 'sumdb/tlog', properties: tlogProperties },
];
