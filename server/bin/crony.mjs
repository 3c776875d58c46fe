#!/usr/bin/env node
// `crony serve | worker ...`: the TypeScript sources run directly through tsx's loader, the same
// way `npm start` and `npm run worker` run them.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
