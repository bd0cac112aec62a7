#!/usr/bin/env node
// The `aifb` command: runs the TypeScript sources through tsx (no build step to forget).
import { register } from 'tsx/esm/api';

register();
await import('../cli/entry.ts');
