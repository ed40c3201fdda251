// Property tests for storage keys and their files (see keys.props.ts; `npm run fuzz` runs them for longer).
import { testProperties } from '../fuzz/property.js';
import { keyProperties } from './keys.props.js';

testProperties(keyProperties);
