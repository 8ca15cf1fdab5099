import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { z } from 'zod';
import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { createLogger } from '@sc/config';
import { transaction } from '@sc/db';
import { defineProducer, defineTopic, InProcessBus, type PublishRecord } from '@sc/events';
import { startGateway } from '@sc/gateway';
import { id, line, NotFoundError, parseInput, type Listening } from '@sc/graphql';
import { GRID_READ_MODEL, GridPlace } from '@sc/roster-contracts';
import { defineService, type RequestInfo, type RunningService } from '@sc/service';
import { errorCodes, gqlRequest, tokenMinter } from '@sc/testing';
import { SERVICES } from '.';

// A throwaway service built the way docs/development.md ("Adding a service") says: one definition
// (SDL, resolvers, entities, events it produces and consumes, its env), started by the kit, next to
// the registry's token issuer, composed behind the real gateway.

@Entity({ name: 'note' })
class Note {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'street_id', type: 'varchar', length: 36 }) streetId!: string;
  @Column({ type: 'varchar', length: 200 }) text!: string;
}

const NotesTopic = defineTopic({ name: 'test.notes.v1', description: 'Notes.', key: 'note id' });
const NoteAdded = NotesTopic.event({
  type: 'test.note.added.v1',
  description: 'A note was added to a street.',
  schema: z.object({ id: z.string(), streetId: z.string() }),
});

const SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
"A note about a street."
type Note @key(fields: "id") {
  "Id of the note."
  id: ID!
  "What the note says."
  text: String!
  "The street it is about."
  street: Street!
}
"A street, owned by the roster; notes adds its notes."
type Street @key(fields: "id") {
  "Id of the street."
  id: ID!
  "How many notes the street has."
  noteCount: Int!
}
"Queries of the notes service."
type Query {
  "A note by id."
  note("Its id." id: ID!): Note
}
"Mutations of the notes service."
type Mutation {
  "Adds a note to a street of a grid (NOT_FOUND for a street the grid read model does not know)."
  addNote("The street." streetId: ID!, "The text." text: String!): Note!
}
`;

interface NotesContext extends RequestInfo {
  get(id: string): Promise<Note | null>;
  add(streetId: string, text: string): Promise<Note>;
}

let counter = 0;
const notes = defineService({
  name: 'notes',
  title: 'a throwaway service for the add-a-service test',
  port: 0,
  sdl: () => SDL,
  resolvers: {
    Query: {
      note: (_: unknown, args: { id: string }, ctx: NotesContext) => ctx.get(args.id),
    },
    Mutation: {
      addNote: (_: unknown, args: { streetId: string; text: string }, ctx: NotesContext) => {
        const input = parseInput(z.object({ streetId: id(), text: line(200) }), args, 'args');
        return ctx.add(input.streetId, input.text);
      },
    },
    Note: { street: (n: Note) => ({ id: n.streetId }) },
    Street: {
      __resolveReference: (ref: { id: string }) => ref,
      noteCount: (
        s: { id: string },
        _: unknown,
        ctx: RequestInfo & { count: (id: string) => Promise<number> },
      ) => ctx.count(s.id),
    },
  },
  entities: [Note, GridPlace],
  migrations: [],
  migrationsDir: 'libs/notes/src/migrations',
  produces: defineProducer({ service: 'notes', source: '/test/notes', topics: [NotesTopic] }),
  consumes: [GRID_READ_MODEL],
  env: { NOTES_MAX_TEXT: z.coerce.number().int().default(200) },
  async build({ dataSource, outbox, committed, env }) {
    expect(env.NOTES_MAX_TEXT).toBe(200);
    return {
      context: ({ principal }) => ({
        principal,
        get: (noteId: string) => dataSource.getRepository(Note).findOneBy({ id: noteId }),
        count: (streetId: string) => dataSource.getRepository(Note).countBy({ streetId }),
        add: async (streetId: string, text: string) => {
          const note = await transaction(dataSource, async (m) => {
            // Ids of another service's entities are checked against the local read model.
            if (!(await m.getRepository(GridPlace).existsBy({ placeId: streetId, kind: 'STREET' })))
              throw new NotFoundError('Street', streetId);
            const row = {
              id: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
              streetId,
              text,
            };
            await m.getRepository(Note).insert(row);
            await outbox.add(m, NoteAdded, row.id, { id: row.id, streetId });
            return row;
          });
          committed();
          return note;
        },
      }),
    };
  },
});

describe('adding a service [starts: the registry token issuer and a throwaway service on SQLite, in-process bus, the gateway]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-add-service-'));
  const logger = createLogger({ service: 'add-a-service', level: 'silent' });
  const bus = new InProcessBus();
  const published: PublishRecord[] = [];
  let issuer: RunningService;
  let notesService: RunningService;
  let gateway: Listening;
  let gatewayUrl: string;

  beforeAll(async () => {
    bus.subscribe(NotesTopic.name, async (m) => void published.push(m));
    const registryIssuer = SERVICES[0];
    if (!registryIssuer) throw new Error('the registry is empty');
    const env = { DATA_DIR: dir, NODE_ENV: 'test', ROSTER_PORT: '0', NOTES_PORT: '0' };
    issuer = await registryIssuer.start({ env, logger, bus, seed: false });
    if (!issuer.jwksUrl) throw new Error('the first registered service must issue tokens');
    notesService = await notes.start({ env, logger, bus, keyResolver: new JwksKeyResolver(issuer.jwksUrl) });
    await issuer.seed();
    await bus.idle();
    const composed = composeServices(
      [issuer, notesService].map((s) => ({
        name: s.name,
        url: `${s.url}/graphql`,
        typeDefs: parse(s.name === 'notes' ? notes.sdl() : registryIssuer.sdl()),
      })),
    );
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('; '));
    gateway = await startGateway({
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls: { [issuer.name]: `${issuer.url}/graphql`, notes: `${notesService.url}/graphql` },
      verifier: new TokenVerifier(new JwksKeyResolver(issuer.jwksUrl), {
        issuer: 'street-chief/roster',
        audience: 'street-chief',
      }),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
    gatewayUrl = `${gateway.url}/graphql`;
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await notesService?.close();
    await issuer?.close();
    await bus.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('consumes the grid read model, checks ids against it, writes its event through the outbox, and joins the graph', async () => {
    const street = await gqlRequest<{ streets: { nodes: { id: string; noteCount: number }[] } }>(
      gatewayUrl,
      '{ streets(first: 1) { nodes { id noteCount } } }',
    );
    const streetId = street.data?.streets.nodes[0]?.id;
    expect(street.data?.streets.nodes[0]?.noteCount).toBe(0);
    if (!streetId) throw new Error('no street');
    expect(await notesService.dataSource.getRepository(GridPlace).countBy({ placeId: streetId })).toBe(1);

    const token = tokenMinter(dir).mint(['COMMUNITY_STAFF']);
    const added = await gqlRequest<{ addNote: { street: { id: string; noteCount: number } } }>(
      gatewayUrl,
      'mutation($s: ID!) { addNote(streetId: $s, text: "路灯坏了") { street { id noteCount } } }',
      { s: streetId },
      token,
    );
    expect(added.errors).toBeUndefined();
    expect(added.data?.addNote.street).toEqual({ id: streetId, noteCount: 1 });
    await notesService.relay.flush();
    await bus.idle();
    expect(published.map((m) => [m.topic, m.key])).toEqual([
      [NotesTopic.name, '00000000-0000-4000-8000-000000000001'],
    ]);

    const unknown = await gqlRequest(
      gatewayUrl,
      'mutation { addNote(streetId: "5b2f0c1e-1d0a-4c55-9f43-3c1f7a9e2b10", text: "x") { text } }',
      {},
      token,
    );
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const read = await gqlRequest<{ note: { text: string } | null }>(
      gatewayUrl,
      '{ note(id: "00000000-0000-4000-8000-000000000001") { text } }',
    );
    expect(read.data?.note).toEqual({ text: '路灯坏了' });
    expect(await notesService.dataSource.getRepository(Note).count()).toBe(1);
  });

  it('closes what it opened when a start fails, so the same service can start again', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    const env = {
      DATA_DIR: path.join(dir, 'second'),
      NODE_ENV: 'test',
      NOTES_PORT: String(port),
      NOTES_HOST: '127.0.0.1',
    };
    try {
      await expect(notes.start({ env, logger, bus })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      busy.close();
    }
    const again = await notes.start({ env: { ...env, NOTES_PORT: '0' }, logger, bus });
    await again.close();
  });

  it('is described by the registry in start order, the token issuer first', () => {
    expect(SERVICES.map((s) => s.name)).toEqual(['roster', 'people', 'cases', 'deliberation']);
    expect(SERVICES[0]?.envNames()).toEqual(
      expect.arrayContaining(['ROSTER_PORT', 'ROSTER_DATABASE_URL', 'KAFKA_BROKERS']),
    );
  });
});
