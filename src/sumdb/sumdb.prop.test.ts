// Property tests for signed notes, keys, tree notes, lookup paths, tiles and proofs (see note.props.ts and
// tlog.props.ts; `npm run fuzz` runs the same properties for longer).
import { testProperties } from '../fuzz/property.js';
import { noteProperties } from './note.props.js';
import { tlogProperties } from './tlog.props.js';

testProperties([...noteProperties, ...tlogProperties]);
