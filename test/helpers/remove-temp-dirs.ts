import { afterAll } from 'vitest';
import { removeTempDirs } from './archive.js';

// Vitest setup file: each test file's tempDir() folders go when the file is done. Registered before
// the file's own hooks, so it runs after them (after hooks run in reverse), once servers are closed.
afterAll(removeTempDirs);
