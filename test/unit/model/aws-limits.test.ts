// The pure checks of AWS's value rules.
import { expect } from '@jest/globals';
import { attributeKeyProblem, conditionValueProblem } from '../../../src/model/aws-limits.js';

test('condition values: 128 characters and the characters of each kind', () => {
  expect(conditionValueProblem('path', `/${'a'.repeat(127)}`)).toBeNull();
  expect(conditionValueProblem('path', `/${'a'.repeat(128)}`)).toBe('is 129 characters long; ALB allows at most 128 characters in a path pattern');
  expect(conditionValueProblem('host', 'shop.example.com')).toBeNull();
  expect(conditionValueProblem('host', 'shop_example.com')).toContain('has the character "_"');
  expect(conditionValueProblem('http-header-value', 'a b (c)*')).toBeNull();
  expect(conditionValueProblem('http-header-value', 'tab\there')).toContain('U+0009');
  expect(conditionValueProblem('query-string', 'a=(b),c;d!')).toBeNull();
  expect(conditionValueProblem('query-string', 'a#b')).toContain('"#"');
});

test('attribute keys by kind of resource', () => {
  expect(attributeKeyProblem('load balancer', 'routing.http.xff_header_processing.mode')).toBeNull();
  expect(attributeKeyProblem('load balancer', 'slow_start.duration_seconds')).toContain('not an attribute of an Application Load Balancer;');
  expect(attributeKeyProblem('target group', 'slow_start.duration_seconds')).toBeNull();
  expect(attributeKeyProblem('target group', 'preserve_client_ip.enabled')).toContain("Application Load Balancer's target group");
});
