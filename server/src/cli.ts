import { loadConfig } from './config.ts';

/** `crony <command>`: one codebase, roles by command (see README). */
async function main(argv: string[]): Promise<number> {
  const [command = 'serve'] = argv;
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.ts');
      const server = await serve(loadConfig());
      let firstSignalAt = 0;
      const onSignal = (sig: string) => {
        // Ctrl-C reaches both `npm start` and this process, and `npm start` forwards it too:
        // a repeat within a second is the same keypress, a later one means "stop now".
        if (firstSignalAt) {
          if (Date.now() - firstSignalAt > 1000) process.exit(130);
          return;
        }
        firstSignalAt = Date.now();
        process.stderr.write(`\n${sig}: stopping gracefully (press Ctrl-C again to force)\n`);
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return -1; // keep running
    }
    case 'worker': {
      const { runWorker } = await import('./modules/workers/agent/main.ts');
      return runWorker(argv.slice(1));
    }
    default:
      console.error(`unknown command "${command}"; use: crony serve | crony worker`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
