import { ApplicationFailure } from '@temporalio/common';

/** The message a person needs from a failed workflow: the domain failure, not the wrappers. */
export function failureMessage(err: unknown): string {
  const chain: unknown[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 20; e = e.cause) chain.push(e);
  const domain = chain.find((e) => e instanceof ApplicationFailure) as ApplicationFailure | undefined;
  if (domain) return domain.message;
  const last = chain.at(-1);
  return last instanceof Error ? last.message : String(err);
}
