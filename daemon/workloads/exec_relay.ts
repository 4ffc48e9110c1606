import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type ExecEvent,
  ExecEventSchema,
  ExecInputSchema,
  ExecStartSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { ExecOutputSchema, ExecSpec, TerminalSize } from "../../proto/mod.ts";

/** What a client exec request carries after its header: stdin bytes, EOF, a new terminal size. */
export interface ExecInput {
  stdin: Uint8Array;
  stdinClosed: boolean;
  terminalSize?: TerminalSize;
}

/** The first request of an exec (workload or zone): the command, and perhaps a terminal size. */
export interface ExecHeader extends ExecInput {
  spec?: ExecSpec;
}

/** Splits an exec request stream into its header and the rest; refuses an empty stream. */
export async function readExecHeader<T>(
  requests: AsyncIterable<T>,
): Promise<{ header: T; rest: AsyncIterator<T> }> {
  const rest = requests[Symbol.asyncIterator]();
  const first = await rest.next();
  if (first.done) throw new InvalidArgumentError("request", "no exec header message");
  return { header: first.value, rest };
}

/** The agent's start message for an exec; `workloadId` is empty for a zone exec. */
export function execStart(
  workloadId: string,
  header: ExecHeader,
): MessageInitShape<typeof ExecStartSchema> {
  const spec = header.spec;
  if (!spec || spec.args.length === 0) {
    throw new InvalidArgumentError("spec.args", "must name a command");
  }
  return {
    workloadId,
    args: spec.args,
    env: spec.env,
    workingDirectory: spec.workingDirectory,
    tty: spec.tty,
    rows: header.terminalSize?.rows ?? 0,
    columns: header.terminalSize?.columns ?? 0,
  };
}

/**
 * Relays one exec between an RPC stream and the zone's agent: opens an IDM
 * stream of `type` ("workload.exec" or "zone.exec") with the start message,
 * feeds the header's stdin and later requests' stdin and terminal resizes to
 * it, and yields the agent's output events until the exit.
 */
export async function* relayExec(
  peer: IdmPeer,
  type: string,
  start: MessageInitShape<typeof ExecStartSchema>,
  header: ExecInput,
  rest: AsyncIterator<ExecInput>,
): AsyncGenerator<ExecEvent> {
  const stream = await peer.openStream(
    type,
    toBinary(ExecStartSchema, create(ExecStartSchema, start)),
  );
  const forward = async (input: ExecInput, resize: boolean) => {
    const size = resize ? input.terminalSize : undefined;
    if (input.stdin.length || input.stdinClosed || size) {
      await stream.write(toBinary(
        ExecInputSchema,
        create(ExecInputSchema, {
          stdin: input.stdin,
          stdinClosed: input.stdinClosed,
          rows: size?.rows ?? 0,
          columns: size?.columns ?? 0,
        }),
      ));
    }
  };
  const feeding = (async () => {
    await forward(header, false); // its size went in the start message
    while (true) {
      const next = await rest.next();
      if (next.done) break;
      await forward(next.value, true);
    }
  })().catch(() => {}); // the client went away or the exec ended first
  try {
    // A copy: the chunk's buffer is reused once we ask for the next, and the
    // event's output bytes may outlive that inside the RPC layer.
    for await (const data of stream) yield fromBinary(ExecEventSchema, data.slice());
  } finally {
    await stream.close().catch(() => {});
    void feeding;
  }
}

/** An agent's exec event as the API's ExecOutput. */
export function execOutput(event: ExecEvent): MessageInitShape<typeof ExecOutputSchema> {
  return {
    stdout: event.stdout,
    stderr: event.stderr,
    exited: event.exited,
    exitCode: event.exitCode,
    error: event.error,
  };
}
