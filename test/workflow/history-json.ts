/**
 * Event history <-> proto3 JSON (the format of `temporal workflow show --output json` and of the
 * SDK's historyToJSON/historyFromJSON from @temporalio/common/lib/proto-utils).
 *
 * Why not the SDK's functions: with this install's layout, @temporalio/common, @temporalio/proto
 * and @temporalio/worker each get their own nested copy of protobufjs 8 (the top level holds
 * protobufjs 7 for @grpc/proto-loader). proto-utils then hands a History type built by proto's
 * copy to common's copy of protojson, whose `instanceof Type` check fails: "type must be a Type".
 * For the same reason Worker.runReplayHistory cannot parse JSON histories itself here. So this
 * does the same conversion with the protojson of the protobufjs that @temporalio/proto itself
 * resolves, which works whatever the layout.
 */
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const require = createRequire(import.meta.url);
const protojson = createRequire(require.resolve('@temporalio/proto'))(
  'protobufjs/ext/protojson',
) as ProtoJson;
// biome-ignore lint/suspicious/noExplicitAny: the generated root's types lack lookupType.
const historyType = (patchProtobufRoot(proto) as any).lookupType('temporal.api.history.v1.History');

/** The history's events as proto3 JSON objects. */
export function historyToJsonEvents(history: History): unknown[] {
  const json = protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)) as {
    events?: unknown[];
  };
  return json.events ?? [];
}

/** A History (eventId etc. as Long) that Worker.runReplayHistories takes as it is. */
export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new TypeError('not a history: no events');
  return history;
}
