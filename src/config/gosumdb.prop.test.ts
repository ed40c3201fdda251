// Property tests for GOSUMDB values (see gosumdb.props.ts; `npm run fuzz` runs them for longer).
import { testProperties } from '../fuzz/property.js';
import { gosumdbProperties } from './gosumdb.props.js';

testProperties(gosumdbProperties);
