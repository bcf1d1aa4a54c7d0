import { ControllerMetrics, METRIC_NAMES } from '../../../src/observability/metrics.js';

/** The scrape's lines for one metric (its HELP, TYPE and samples). */
function linesOf(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`) || line.startsWith(`${name}_`) || line.includes(` ${name} `))
    .filter((line) => !line.startsWith('# HELP'));
}

describe('ControllerMetrics', () => {
  it('exposes every metric with its type, labels and values', async () => {
    const metrics = new ControllerMetrics();
    metrics.reconciled('success', 0.25);
    metrics.reconciled('success', 2);
    metrics.reconciled('error', 0.0625);
    metrics.synced(1.2);
    metrics.awsCall({ service: 'elbv2', operation: 'DescribeRules', outcome: 'success' });
    metrics.awsCall({ service: 'elbv2', operation: 'DescribeRules', outcome: 'success' });
    metrics.awsCall({ service: 'elbv2', operation: 'CreateRule', outcome: 'throttled' });
    metrics.awsCall({ service: 'acm', operation: 'ImportCertificate', outcome: 'error' });
    metrics.setQueueDepth(7);
    metrics.setManaged(3, 11);
    metrics.setLeader(true);
    metrics.setCertificateExpiry('shop', 'cart-tls', new Date('2026-05-01T00:00:00Z'));
    metrics.setCertificateExpiry('shop', 'old-tls', new Date('2025-01-01T00:00:00Z'));
    metrics.setCertificateExpiry('shop', 'old-tls', null);

    const text = await metrics.text();

    expect(linesOf(text, 'albatross_reconcile_total')).toEqual([
      '# TYPE albatross_reconcile_total counter',
      'albatross_reconcile_total{result="success"} 2',
      'albatross_reconcile_total{result="error"} 1',
    ]);
    expect(linesOf(text, 'albatross_reconcile_duration_seconds')).toEqual([
      '# TYPE albatross_reconcile_duration_seconds histogram',
      'albatross_reconcile_duration_seconds_bucket{le="0.05"} 0',
      'albatross_reconcile_duration_seconds_bucket{le="0.1"} 1',
      'albatross_reconcile_duration_seconds_bucket{le="0.25"} 2',
      'albatross_reconcile_duration_seconds_bucket{le="0.5"} 2',
      'albatross_reconcile_duration_seconds_bucket{le="1"} 2',
      'albatross_reconcile_duration_seconds_bucket{le="2.5"} 3',
      'albatross_reconcile_duration_seconds_bucket{le="5"} 3',
      'albatross_reconcile_duration_seconds_bucket{le="10"} 3',
      'albatross_reconcile_duration_seconds_bucket{le="30"} 3',
      'albatross_reconcile_duration_seconds_bucket{le="60"} 3',
      'albatross_reconcile_duration_seconds_bucket{le="120"} 3',
      'albatross_reconcile_duration_seconds_bucket{le="300"} 3',
      'albatross_reconcile_duration_seconds_bucket{le="+Inf"} 3',
      'albatross_reconcile_duration_seconds_sum 2.3125',
      'albatross_reconcile_duration_seconds_count 3',
    ]);
    expect(linesOf(text, 'albatross_sync_latency_seconds')).toEqual(
      expect.arrayContaining([
        '# TYPE albatross_sync_latency_seconds histogram',
        'albatross_sync_latency_seconds_bucket{le="1"} 0',
        'albatross_sync_latency_seconds_bucket{le="2.5"} 1',
        'albatross_sync_latency_seconds_sum 1.2',
        'albatross_sync_latency_seconds_count 1',
      ]),
    );
    expect(linesOf(text, 'albatross_aws_api_calls_total')).toEqual([
      '# TYPE albatross_aws_api_calls_total counter',
      'albatross_aws_api_calls_total{service="elbv2",operation="DescribeRules",outcome="success"} 2',
      'albatross_aws_api_calls_total{service="elbv2",operation="CreateRule",outcome="throttled"} 1',
      'albatross_aws_api_calls_total{service="acm",operation="ImportCertificate",outcome="error"} 1',
    ]);
    expect(linesOf(text, 'albatross_workqueue_depth')).toEqual([
      '# TYPE albatross_workqueue_depth gauge',
      'albatross_workqueue_depth 7',
    ]);
    expect(linesOf(text, 'albatross_managed_groups')).toEqual([
      '# TYPE albatross_managed_groups gauge',
      'albatross_managed_groups 3',
    ]);
    expect(linesOf(text, 'albatross_managed_ingresses')).toEqual([
      '# TYPE albatross_managed_ingresses gauge',
      'albatross_managed_ingresses 11',
    ]);
    expect(linesOf(text, 'albatross_leader')).toEqual(['# TYPE albatross_leader gauge', 'albatross_leader 1']);
    expect(linesOf(text, 'albatross_certificate_expiry_timestamp_seconds')).toEqual([
      '# TYPE albatross_certificate_expiry_timestamp_seconds gauge',
      'albatross_certificate_expiry_timestamp_seconds{namespace="shop",secret="cart-tls"} 1777593600',
    ]);
    // prom-client's default metrics.
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('shows every name from the start, with zeros, and leader 0 until told', async () => {
    const text = await new ControllerMetrics(false).text();
    for (const name of METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('albatross_leader 0\n');
    expect(text).toContain('albatross_reconcile_total{result="success"} 0\n');
    expect(text).toContain('albatross_reconcile_total{result="error"} 0\n');
    expect(text).not.toContain('process_cpu_user_seconds_total');
  });

  it('keeps each controller its own registry', async () => {
    const first = new ControllerMetrics(false);
    const second = new ControllerMetrics(false);
    first.setLeader(true);
    expect(await second.text()).toContain('albatross_leader 0\n');
    expect(await first.text()).toContain('albatross_leader 1\n');
  });
});
