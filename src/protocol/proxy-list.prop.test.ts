// Property tests for GOPROXY lists (see proxy-list.props.ts; `npm run fuzz` runs them for longer).
import { testProperties } from '../fuzz/property.js';
import { proxyListProperties } from './proxy-list.props.js';

testProperties(proxyListProperties);
