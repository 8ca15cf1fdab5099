import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { StartupError } from '@sc/config';
import {
  createDataSource,
  openDatabase,
  pendingSchemaChanges,
  quoteSqliteIdentifier,
  transaction,
} from './data-source';
import { EMBEDDED_SQLITE, EmbeddedDatabaseError } from './embedded-sqlite';
import { NodeSqliteDatabase } from './node-sqlite';

@Entity({ name: 'note' })
class Note {
  @PrimaryColumn({ type: 'varchar', length: 36, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 200, name: 'title' })
  title!: string;

  @Column({ type: 'boolean', name: 'pinned', default: false })
  pinned!: boolean;

  @Column({ type: 'int', name: 'version' })
  version!: number;

  @Column({ type: 'datetime', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'text', name: 'body', nullable: true })
  body!: string | null;
}

const note = (id: string, title: string): Note =>
  Object.assign(new Note(), {
    id,
    title,
    pinned: true,
    version: 1,
    createdAt: new Date('2026-03-01T08:00:00Z'),
    body: null,
  });

describe('embedded database on node:sqlite', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-db-sqlite-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = (file: string, scheme = 'sqlite') =>
    openDatabase({ url: `${scheme}:${file}`, entities: [Note], migrations: [] });

  it('creates a new file in WAL mode with synchronous NORMAL and a busy timeout, and keeps what was committed', async () => {
    const file = path.join(dir, 'sub', 'app.sqlite');
    const ds = await open(file);
    try {
      expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await ds.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]); // NORMAL
      expect(await ds.query('PRAGMA busy_timeout')).toEqual([{ timeout: EMBEDDED_SQLITE.busyTimeoutMs }]);
      expect(await ds.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
      await transaction(ds, (m) => m.getRepository(Note).insert(note('n-1', '院落会')));
      // A second connection, as another process would see the file: the commit is there already.
      const other = new DatabaseSync(file, { readOnly: true });
      try {
        expect(other.prepare('SELECT id, title, pinned FROM note').all()).toEqual([
          { id: 'n-1', title: '院落会', pinned: 1 },
        ]);
      } finally {
        other.close();
      }
    } finally {
      await ds.destroy();
    }
    // Nothing but the database is left behind: no temporary file from the creation.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['app.sqlite']);
    const again = await open(file);
    try {
      expect(await again.getRepository(Note).find()).toEqual([note('n-1', '院落会')]);
    } finally {
      await again.destroy();
    }
  });

  it('reads sqljs:<file> URLs, the scheme of earlier versions, as the same embedded file', async () => {
    const file = path.join(dir, 'app.sqlite');
    const ds = await open(file, 'sqljs');
    try {
      expect(ds.options.type).toBe('better-sqlite3');
      expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    } finally {
      await ds.destroy();
    }
    expect(fs.existsSync(file)).toBe(true);
  });

  it('opens a file written by sql.js (the previous embedded driver) in place: rows kept, schema unchanged, now WAL', async () => {
    const file = path.join(dir, 'people.sqlite');
    // Exactly how the previous version configured TypeORM for embedded files.
    const old = new DataSource({
      type: 'sqljs',
      location: file,
      autoSave: true,
      entities: [Note],
      synchronize: true,
    });
    await old.initialize();
    await old.getRepository(Note).insert([note('n-1', '第一'), note('n-2', '第二')]);
    await old.destroy();
    expect(fs.readFileSync(file).subarray(18, 20)).toEqual(Buffer.from([1, 1])); // rollback journal

    const ds = await open(file);
    try {
      expect(await pendingSchemaChanges(ds)).toEqual([]);
      expect((await ds.getRepository(Note).find({ order: { id: 'ASC' } })).map((n) => n.title)).toEqual([
        '第一',
        '第二',
      ]);
      expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    } finally {
      await ds.destroy();
    }
    expect(fs.readFileSync(file).subarray(18, 20)).toEqual(Buffer.from([2, 2])); // WAL
  });

  describe('a file that cannot be read stops the start with one line and is left as it is', () => {
    const refusal = async (file: string): Promise<EmbeddedDatabaseError> => {
      const error: unknown = await open(file).then(
        async (ds) => {
          await ds.destroy();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EmbeddedDatabaseError);
      const refused = error as EmbeddedDatabaseError;
      expect(refused).toBeInstanceOf(StartupError);
      expect(refused.exitCode).toBe(65);
      expect(refused.file).toBe(file);
      expect(refused.message).toContain(file);
      expect(refused.message).not.toContain('\n');
      return refused;
    };

    it('an empty (0-byte) file, which SQLite would take for a new database', async () => {
      const file = path.join(dir, 'roster.sqlite');
      fs.writeFileSync(file, '');
      const error = await refusal(file);
      expect(error.message).toMatch(/empty, 0 bytes.*Restore it from a backup, or move roster\.sqlite/);
      expect(fs.statSync(file).size).toBe(0);
      expect(fs.readdirSync(dir)).toEqual(['roster.sqlite']);
    });

    it('a file that is not a database', async () => {
      const file = path.join(dir, 'roster.sqlite');
      const junk = Buffer.from('this is not an SQLite file, whatever its name says. '.repeat(100));
      fs.writeFileSync(file, junk);
      const error = await refusal(file);
      expect(error.message).toContain('file is not a database');
      expect(fs.readFileSync(file)).toEqual(junk);
      expect(fs.readdirSync(dir)).toEqual(['roster.sqlite']);
    });

    it('a database cut short (as sql.js left files when stopped while saving)', async () => {
      const file = path.join(dir, 'people.sqlite');
      const ds = await open(file);
      const rows = Array.from({ length: 2_000 }, (_, i) => note(`n-${i}`, `记录 ${i} `.repeat(10)));
      for (let i = 0; i < rows.length; i += 200) await ds.getRepository(Note).insert(rows.slice(i, i + 200));
      await ds.destroy();
      const whole = fs.readFileSync(file);
      expect(whole.length).toBeGreaterThan(200_000);
      const cut = whole.subarray(0, Math.floor(whole.length / 2 / 4096) * 4096 + 1000);
      fs.writeFileSync(file, cut);
      const error = await refusal(file);
      expect(error.message).toMatch(/malformed|quick_check/);
      expect(fs.readFileSync(file)).toEqual(cut);
    });

    it('a write-ahead log whose database is missing', async () => {
      const file = path.join(dir, 'people.sqlite');
      fs.writeFileSync(`${file}-wal`, Buffer.alloc(8192, 7));
      const error = await refusal(file);
      expect(error.message).toContain('people.sqlite-wal');
      expect(fs.existsSync(file)).toBe(false);
    });
  });

  it('a database file that is not damaged is not refused for a failure in the schema or the code', async () => {
    // Errors that are not about the file (here: a statement TypeORM cannot run) are not turned into
    // "cannot read the file": they keep their own message and stack.
    const file = path.join(dir, 'app.sqlite');
    const ds = await open(file);
    try {
      const error: unknown = await ds.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(EmbeddedDatabaseError);
      expect(String(error)).toContain('no such table');
    } finally {
      await ds.destroy();
    }
  });
});

describe('NodeSqliteDatabase, the better-sqlite3 surface TypeORM uses', () => {
  it('says which statements return rows, binds like sql.js did and returns plain rows', () => {
    const db = new NodeSqliteDatabase(':memory:');
    try {
      expect(db.prepare('CREATE TABLE t (id INTEGER PRIMARY KEY, flag INTEGER, label TEXT)').reader).toBe(
        false,
      );
      db.prepare('CREATE TABLE t (id INTEGER PRIMARY KEY, flag INTEGER, label TEXT)').run();
      const insert = db.prepare('INSERT INTO t (flag, label) VALUES (?, ?)');
      expect(insert.reader).toBe(false);
      expect(insert.run(true, undefined)).toEqual({ changes: 1, lastInsertRowid: 1 });
      expect(insert.run(false, 'b')).toEqual({ changes: 1, lastInsertRowid: 2 });
      const select = db.prepare('SELECT id, flag, label FROM t ORDER BY id');
      expect(select.reader).toBe(true);
      const rows = select.all();
      expect(rows).toEqual([
        { id: 1, flag: 1, label: null },
        { id: 2, flag: 0, label: 'b' },
      ]);
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      expect(db.prepare('SELECT label FROM t WHERE id = ?').get(2)).toEqual({ label: 'b' });
      expect(db.pragma('table_info("t")').map((c) => c['name'])).toEqual(['id', 'flag', 'label']);
      expect(() => db.prepare('SELECT "no_such_column" FROM t').all()).toThrow(/no such column/);
      expect(() => insert.run(new Date(), 'x')).toThrow(
        'cannot bind a value of type Date to SQLite parameter 1',
      );
      expect(() => insert.run(1, { label: 'x' })).toThrow(
        'cannot bind a value of type Object to SQLite parameter 2',
      );
      expect(db.open).toBe(true);
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
    expect(db.open).toBe(false);
  });

  it('is what TypeORM’s better-sqlite3 driver runs on (createDataSource)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-db-sqlite-'));
    try {
      const ds = createDataSource({ url: `sqlite:${dir}/x.sqlite`, entities: [Note], migrations: [] });
      await ds.initialize();
      try {
        expect((ds.driver as unknown as { databaseConnection: unknown }).databaseConnection).toBeInstanceOf(
          NodeSqliteDatabase,
        );
      } finally {
        await ds.destroy();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('quoteSqliteIdentifier', () => {
  it('doubles quotes inside a name, so any name read from the catalog can be used in a statement', () => {
    expect(quoteSqliteIdentifier('resident')).toBe('"resident"');
    expect(quoteSqliteIdentifier('ix "odd" name')).toBe('"ix ""odd"" name"');
    const db = new NodeSqliteDatabase(':memory:');
    try {
      const name = 'a "quoted"; DROP TABLE x; --';
      db.exec(`CREATE TABLE ${quoteSqliteIdentifier(name)} (v INTEGER)`);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name }]);
      db.exec(`DROP TABLE ${quoteSqliteIdentifier(name)}`);
    } finally {
      db.close();
    }
    expect(() => quoteSqliteIdentifier('a\0b')).toThrow(/NUL/);
  });
});
