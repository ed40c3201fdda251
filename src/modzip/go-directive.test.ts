// Checks the go-directive reader and language-version comparison that pick the module zip's vendor rule.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareGoLang, goLang, parseGoDirective, usesGo124VendorRule } from './go-directive.js';

describe('parseGoDirective', () => {
  test('reads the go directive, ignoring comments, blocks and other directives', () => {
    assert.equal(parseGoDirective('module example.com/m\n\ngo 1.24\n'), '1.24');
    assert.equal(parseGoDirective('// go 1.20\nmodule x // go 1.19\ngo 1.21.3 // comment\n'), '1.21.3');
    assert.equal(parseGoDirective('go 1.22//no space\n'), '1.22');
    assert.equal(parseGoDirective('require (\n\tgo v1.0.0\n)\ngo 1.23rc1\r\n'), '1.23rc1');
  });

  test('applies the lax fix-up modfile.ParseLax makes to odd versions', () => {
    assert.equal(parseGoDirective('go 1.21-beta\n'), '1.21');
    assert.equal(parseGoDirective('go v1.20.x\n'), '1.20');
  });

  test('gives undefined when the directive is missing, repeated or malformed', () => {
    for (const s of ['module x\n', 'go 1.20\ngo 1.21\n', 'go\n', 'go 1.21 1.22\n', 'go "1.21"\n', 'go 01.2\n', 'go abc\n', '']) {
      assert.equal(parseGoDirective(s), undefined, JSON.stringify(s));
    }
  });
});

describe('language versions', () => {
  test('goLang reduces a version to major.minor like go/version.Lang', () => {
    assert.deepEqual(goLang('1.24.1'), [1, 24]);
    assert.deepEqual(goLang('go1.21rc2'), [1, 21]);
    assert.equal(goLang('x1.2'), undefined);
    assert.equal(goLang(undefined), undefined);
  });

  test('compareGoLang compares numerically and puts unknown versions first', () => {
    assert.equal(compareGoLang('1.24.1', '1.24'), 0);
    assert.equal(compareGoLang('1.9', '1.24'), -1);
    assert.equal(compareGoLang('1.100', '1.24'), 1);
    assert.equal(compareGoLang('2.0', '1.99'), 1);
    assert.equal(compareGoLang(undefined, '1.0'), -1);
    assert.equal(compareGoLang(undefined, 'bad'), 0);
  });

  test('usesGo124VendorRule switches exactly at go 1.24', () => {
    assert.equal(usesGo124VendorRule('1.23.12'), false);
    assert.equal(usesGo124VendorRule('1.24'), true);
    assert.equal(usesGo124VendorRule('1.24rc1'), true);
    assert.equal(usesGo124VendorRule(undefined), false);
  });
});
