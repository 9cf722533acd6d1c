// Runs the spec-checked fake Neon API (test/fixtures/neon-api/fakeNeonApi.ts) in a child process for the
// extension-host tests: it reads the OpenAPI YAML through `import.meta.url`, which a CommonJS test bundle
// cannot provide, so it runs from source under tsx (`node --import tsx`). The parent talks to it over IPC.
import { FakeNeonApi, makeProject } from '../fixtures/neon-api/fakeNeonApi';

interface Request {
  id: number;
  op: 'state' | 'requests' | 'violations' | 'inject' | 'addProject' | 'stop';
  operationId?: string;
  answer?: { status: number; body?: unknown; times?: number };
  project?: { id: string; name: string; orgId?: string };
}

const apiKey = process.argv[2] ?? '';
const fake = new FakeNeonApi(apiKey);

async function main(): Promise<void> {
  await fake.start();
  process.on('message', (message: Request) => {
    void (async () => {
      let result: unknown;
      switch (message.op) {
        case 'state':
          result = fake.state;
          break;
        case 'requests':
          result = fake.requests;
          break;
        case 'violations':
          result = fake.takeViolations();
          break;
        case 'inject':
          fake.inject(message.operationId!, message.answer!);
          result = true;
          break;
        case 'addProject':
          fake.state.projects.push(makeProject(message.project!.id, message.project!.name, message.project!.orgId));
          result = true;
          break;
        case 'stop':
          await fake.stop();
          process.send?.({ id: message.id, result: true }, () => process.exit(0));
          return;
      }
      process.send?.({ id: message.id, result });
    })();
  });
  // Exit with the parent (the extension host) whatever happens to it.
  process.on('disconnect', () => void fake.stop().finally(() => process.exit(0)));
  process.send?.({ ready: true, baseURL: fake.baseURL });
}

main().catch((err: unknown) => {
  process.send?.({ error: String(err) });
  process.exit(1);
});
