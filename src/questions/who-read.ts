import type { ObjectQuestion } from './object-question.js';

/** Reads of the object or its metadata. */
export const whoRead: ObjectQuestion = {
  name: 'who-read',
  verb: 'read',
  spec: { eventNames: ['GetObject', 'HeadObject', 'GetObjectAttributes'], batchDeleteCandidates: false, order: 'newest-first' },
};
