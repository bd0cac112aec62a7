/**
 * Multi-turn chat sessions (`dataset.sessions`): every request is one turn of a conversation and
 * carries the conversation so far — the earlier user turns and the assistant's replies as the
 * server returned them — so a server's prefix cache sees what a chat application sends it.
 *
 * Which session a request continues:
 * - closed loop: each worker (lane) is one user, running its sessions one after another; after
 *   a reply it thinks (`thinkTimeMs`) before the next turn (the runner waits, see
 *   WorkloadDriver.waitBeforeSend);
 * - open loop: the schedule says when a request goes, and it continues the session that has
 *   been ready longest (its last reply in, its think time over), else starts a new one. The
 *   arrival count stays the schedule's; how many sessions run at once follows the latencies.
 * A failed turn ends its session (there is no reply to carry on with). Each client runs its own
 * sessions; the user turns come from the client's prompt source (seeded), the replies from the
 * server.
 */
import type { ChatMessage, PromptSample } from './dataset';
import { countWords } from './dataset';

export interface Session {
  readonly history: ChatMessage[];
  /** A shared-prefix group's system prompt, fixed for the session. */
  readonly system: string | undefined;
  /** Words of the system prompt and every message so far. */
  words: number;
  /** Turns sent (the one in flight included). */
  turns: number;
  /** performance.now() from which its next turn may go. */
  readyAt: number;
  /** The closed loop's worker that runs it; undefined in an open loop. */
  readonly lane: number | undefined;
  /** The turn in flight's user message and its words (joins the history with the reply). */
  pending: { content: string; words: number } | null;
}

export interface SessionOptions {
  turns: number;
  /** The user's text of each turn (and its output length). */
  nextPrompt: () => PromptSample;
  /** A shared-prefix group for a new session; absent = no system prompt. */
  pickPrefix?: () => { text: string; words: number };
  /** Think time after each reply, ms; absent = none. */
  thinkMs?: () => number;
  now: () => number;
}

export class SessionPool {
  started = 0;
  completed = 0;
  /** Ended by a failed turn. */
  abandoned = 0;
  /** Open loop: sessions waiting for their next turn, by readyAt (earliest first). */
  private readonly waiting: Session[] = [];
  /** Closed loop: each lane's current session (null once ended). */
  private readonly lanes = new Map<number, Session | null>();

  constructor(private readonly opts: SessionOptions) {}

  /** The turn to send now (for `lane`, its session; otherwise the longest-ready one, or a new one). */
  next(lane?: number): { sample: PromptSample; session: Session } {
    const session = lane === undefined ? this.takeReady() : this.lanes.get(lane);
    const s = session ?? this.start(lane);
    if (lane !== undefined) this.lanes.set(lane, s);
    const user = this.opts.nextPrompt();
    s.turns++;
    s.pending = { content: user.prompt, words: user.inputWords };
    const sample: PromptSample = {
      prompt: user.prompt,
      inputWords: s.words + user.inputWords,
      maxTokens: user.maxTokens,
      ...(s.system !== undefined ? { system: s.system } : {}),
      // The history as it is now: it grows only when this turn has ended.
      ...(s.history.length > 0 ? { history: s.history } : {}),
    };
    return { sample, session: s };
  }

  /** The turn ended: `reply` is the assistant's text, null when the request failed. */
  finish(s: Session, reply: string | null): void {
    const user = s.pending;
    s.pending = null;
    const ends = reply === null || user === null || s.turns >= this.opts.turns;
    if (reply === null || user === null) this.abandoned++;
    else if (ends) this.completed++;
    if (ends) {
      if (s.lane !== undefined) this.lanes.set(s.lane, null);
      return;
    }
    s.history.push({ role: 'user', content: user.content }, { role: 'assistant', content: reply });
    s.words += user.words + countWords(reply);
    s.readyAt = this.opts.now() + (this.opts.thinkMs?.() ?? 0);
    if (s.lane === undefined) this.enqueue(s);
  }

  /** ms until `lane`'s session may send its next turn (0 for a new session). */
  waitMs(lane: number): number {
    const s = this.lanes.get(lane);
    return s ? Math.max(0, s.readyAt - this.opts.now()) : 0;
  }

  /** Sessions begun but not ended (in flight, thinking or waiting for an arrival). */
  get active(): number {
    return this.started - this.completed - this.abandoned;
  }

  private start(lane: number | undefined): Session {
    this.started++;
    const prefix = this.opts.pickPrefix?.();
    return {
      history: [],
      system: prefix?.text,
      words: prefix?.words ?? 0,
      turns: 0,
      readyAt: 0,
      lane,
      pending: null,
    };
  }

  private takeReady(): Session | undefined {
    const first = this.waiting[0];
    if (first === undefined || first.readyAt > this.opts.now()) return undefined;
    return this.waiting.shift();
  }

  /** Keeps `waiting` sorted by readyAt (binary search; equal times stay in arrival order). */
  private enqueue(s: Session): void {
    let lo = 0;
    let hi = this.waiting.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.waiting[mid]!.readyAt <= s.readyAt) lo = mid + 1;
      else hi = mid;
    }
    this.waiting.splice(lo, 0, s);
  }
}
