import { parseAction, parseConditions } from '../../../src/ingress/backend-annotations.js';

const actions = (json: string): Record<string, string> => ({ 'alb.ingress.kubernetes.io/actions.x': json });
const conditions = (json: string): Record<string, string> => ({ 'alb.ingress.kubernetes.io/conditions.x': json });

describe('actions.NAME', () => {
  test.each<[string, string, unknown]>([
    [
      'fixed-response',
      '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503","messageBody":"down"}}',
      { type: 'fixed-response', statusCode: '503', contentType: 'text/plain', messageBody: 'down' },
    ],
    [
      'redirect with ALB defaults for what is not given',
      '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}',
      { type: 'redirect', protocol: 'HTTPS', port: '443', host: '#{host}', path: '/#{path}', query: '#{query}', statusCode: 'HTTP_301' },
    ],
    [
      'forward, simplified schema',
      '{"type":"forward","targetGroupARN":"arn:tg"}',
      { type: 'forward', targetGroups: [{ kind: 'arn', arn: 'arn:tg', weight: 1 }] },
    ],
    [
      'forward, weighted with stickiness (servicePort "80" is the number 80)',
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":"http","weight":20},{"serviceName":"b","servicePort":"80","weight":20},{"targetGroupARN":"arn:c","weight":60}],"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":200}}}',
      {
        type: 'forward',
        targetGroups: [
          { kind: 'service', serviceName: 'a', servicePort: 'http', weight: 20 },
          { kind: 'service', serviceName: 'b', servicePort: 80, weight: 20 },
          { kind: 'arn', arn: 'arn:c', weight: 60 },
        ],
        stickinessSeconds: 200,
      },
    ],
    [
      'keys match case-insensitively, as the AWS controller reads them',
      '{"Type":"fixed-response","FixedResponseConfig":{"StatusCode":"404"}}',
      { type: 'fixed-response', statusCode: '404' },
    ],
  ])('%s', (_, json, expected) => {
    expect(parseAction(actions(json), 'x')).toEqual({ ok: true, value: expected });
  });

  test('absent', () => {
    expect(parseAction({}, 'x')).toEqual({ ok: true, value: undefined });
  });

  const key = 'annotation alb.ingress.kubernetes.io/actions.x';
  test.each([
    ['{', `${key}: is not valid JSON`],
    ['{"type":"auth"}', `${key}: type "auth" is not allowed; use "forward", "redirect" or "fixed-response"`],
    ['{"type":"forward"}', `${key}: forward needs exactly one of targetGroupARN and forwardConfig`],
    [
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80},{"serviceName":"b","servicePort":80}]}}',
      `${key}: forwardConfig.targetGroups[0].weight is missing; set a weight on every target group when there are several`,
    ],
    [
      `{"type":"forward","forwardConfig":{"targetGroups":[${Array.from({ length: 6 }, (_, i) => `{"serviceName":"s${i}","servicePort":80,"weight":1}`).join(',')}]}}`,
      `${key}: forwardConfig.targetGroups has 6 target groups; ALB forwards to at most 5`,
    ],
    [
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a"}]}}',
      `${key}: forwardConfig.targetGroups[0].servicePort is missing; use a Service port number or name`,
    ],
    [
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80}],"targetGroupStickinessConfig":{"enabled":true}}}',
      `${key}: forwardConfig.targetGroupStickinessConfig.durationSeconds is missing; use a whole number from 1 to 604800`,
    ],
    ['{"type":"redirect","redirectConfig":{"statusCode":"HTTP_308"}}', `${key}: redirectConfig.statusCode is "HTTP_308"; use "HTTP_301" or "HTTP_302"`],
    ['{"type":"redirect","redirectConfig":{"statusCode":"HTTP_301","protocol":"FTP"}}', `${key}: redirectConfig.protocol is "FTP"; use "HTTP", "HTTPS" or "#{protocol}"`],
    ['{"type":"fixed-response","fixedResponseConfig":{"statusCode":"302"}}', `${key}: fixedResponseConfig.statusCode is "302"; use a 2XX, 4XX or 5XX code such as "503"`],
    [
      '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"200","contentType":"image/png"}}',
      `${key}: fixedResponseConfig.contentType is "image/png"; use "text/plain", "text/css", "text/html", "application/javascript" or "application/json"`,
    ],
  ])('%s', (json, message) => {
    const parsed = parseAction(actions(json), 'x');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error.slice(0, message.length)).toBe(message);
  });
});

describe('conditions.NAME', () => {
  test('every field, as in the AWS controller documentation', () => {
    const json = JSON.stringify([
      { field: 'host-header', hostHeaderConfig: { values: ['Anno.Example.com'] } },
      { field: 'path-pattern', pathPatternConfig: { values: ['/anno/path2'] } },
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'HeaderName', values: ['HeaderValue1', 'HeaderValue2'] } },
      { field: 'http-request-method', httpRequestMethodConfig: { Values: ['GET', 'HEAD'] } },
      { field: 'query-string', queryStringConfig: { values: [{ key: 'paramA', value: 'valueA1' }, { value: 'bare' }] } },
      { field: 'source-ip', sourceIpConfig: { values: ['192.168.0.0/16', '172.16.0.0/16'] } },
    ]);
    expect(parseConditions(conditions(json), 'x')).toEqual({
      ok: true,
      value: {
        hosts: ['anno.example.com'],
        paths: ['/anno/path2'],
        others: [
          { field: 'http-header', name: 'HeaderName', values: ['HeaderValue1', 'HeaderValue2'] },
          { field: 'http-request-method', values: ['GET', 'HEAD'] },
          { field: 'query-string', values: [{ key: 'paramA', value: 'valueA1' }, { value: 'bare' }] },
          { field: 'source-ip', values: ['192.168.0.0/16', '172.16.0.0/16'] },
        ],
      },
    });
  });

  const key = 'annotation alb.ingress.kubernetes.io/conditions.x';
  test.each([
    ['{}', `${key}: is not a JSON list`],
    ['[{"field":"cookie"}]', `${key}: [0].field is "cookie"; use "host-header", "path-pattern", "http-header", "http-request-method", "query-string" or "source-ip"`],
    ['[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","values":[]}}]', `${key}: [0].httpHeaderConfig.values is []; use a non-empty list of strings`],
    ['[{"field":"source-ip","sourceIpConfig":{"values":["10.0.0.1"]}}]', `${key}: [0].sourceIpConfig.values has "10.0.0.1", which is not a CIDR`],
    ['[{"field":"http-request-method","httpRequestMethodConfig":{"values":["get"]}}]', `${key}: [0].httpRequestMethodConfig.values has "get"; use upper-case methods such as "GET"`],
    [
      '[{"field":"http-request-method","httpRequestMethodConfig":{"values":["GET"]}},{"field":"http-request-method","httpRequestMethodConfig":{"values":["PUT"]}}]',
      `${key}: [1].field "http-request-method" appears twice; an ALB rule takes one, put all methods in it`,
    ],
    ['[{"field":"host-header"}]', `${key}: [0].hostHeaderConfig is missing for field "host-header"`],
  ])('%s', (json, message) => {
    const parsed = parseConditions(conditions(json), 'x');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error.slice(0, message.length)).toBe(message);
  });
});
