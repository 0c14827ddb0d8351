import type { ObjectQuestion } from './object-question.js';

/** Every event whose record names the key, oldest first. */
export const history: ObjectQuestion = {
  name: 'history',
  verb: 'touched',
  spec: { batchDeleteCandidates: false, order: 'oldest-first' },
};
