#!/usr/bin/env node
// The `appgov` command: runs the TypeScript CLI through tsx's loader, so it works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
