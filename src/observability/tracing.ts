/**
 * OpenTelemetry tracing, loaded by server.ts only when OTEL_EXPORTER_OTLP_ENDPOINT
 * is set: without it none of these packages is imported.
 */
import { useOpenTelemetry } from '@envelop/opentelemetry';
import { trace, type TracerProvider } from '@opentelemetry/api';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import type { Plugin } from 'graphql-yoga';

/**
 * One SERVER span per operation, named `<type>.<name>` (e.g. `mutation.Approve`).
 * No per-resolver spans (their cost grows with the page size), and neither
 * variables nor results go into spans: they hold tenants' data.
 */
export function tracingPlugin(provider: TracerProvider): Plugin {
  return useOpenTelemetry({ resolvers: false, variables: false, result: false }, provider, undefined, {}, 'appgov') as Plugin;
}

export interface Tracing {
  plugin: Plugin;
  /** Exports the spans still buffered; call before exiting. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK. It reads the standard OTEL_* variables
 * itself (endpoint, OTEL_EXPORTER_OTLP_PROTOCOL, headers, OTEL_SERVICE_NAME,
 * sampling); the service name defaults to "appgov".
 */
export async function startTracing(overrides: Partial<NodeSDKConfiguration> = {}): Promise<Tracing> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME?.trim() || 'appgov',
    // No automatic instrumentation of other libraries: the spans are appgov's operations.
    instrumentations: [],
    ...overrides,
  });
  sdk.start();
  return { plugin: tracingPlugin(trace.getTracerProvider()), shutdown: () => sdk.shutdown() };
}
