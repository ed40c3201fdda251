// Property tests for versions, module paths, "!" escaping, request paths and glob lists (see *.props.ts;
// `npm run fuzz` runs the same properties for longer).
import { testProperties } from '../fuzz/property.js';
import { escapeProperties } from './escape.props.js';
import { globProperties } from './glob.props.js';
import { pathProperties } from './paths.props.js';

testProperties([...pathProperties, ...escapeProperties, ...globProperties]);
