import { testProperties } from '../fuzz/property.js';
import { wireProperties } from './wire-hits.props.js';

testProperties(wireProperties);
