import crypto from 'node:crypto';
import { assertTestDatabase, dropDatabase, ensureDatabase } from '../postgres';

/**
 * A fresh database for one integration test file, on the server of TEST_DATABASE_URL
 * (default: the local PostgreSQL). Its name always contains "test"; `drop()` removes it again.
 */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function testServerUrl(): string {
  return process.env['TEST_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/gridwerk_test';
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const u = new URL(testServerUrl());
  const name = `gridwerk_test_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${crypto.randomBytes(4).toString('hex')}`;
  u.pathname = `/${name}`;
  const url = u.toString();
  assertTestDatabase(url);
  await ensureDatabase(url);
  return { url, name, drop: () => dropDatabase(url) };
}
