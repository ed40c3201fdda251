// Property tests for module zip checking on random, damaged and hostile zips (see zip-check.props.ts;
// `npm run fuzz` runs the same properties for longer).
import { testProperties } from '../fuzz/property.js';
import { zipProperties } from './zip-check.props.js';

testProperties(zipProperties);
