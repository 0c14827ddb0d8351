import type { ObjectQuestion } from './object-question.js';

/** Reads of the object or its metadata, and copies made from it (CopyObject/UploadPartCopy with the key as source). */
export const whoRead: ObjectQuestion = {
  name: 'who-read',
  verb: 'read',
  spec: {
    eventNames: ['GetObject', 'HeadObject', 'GetObjectAttributes'],
    sourceEventNames: ['CopyObject', 'UploadPartCopy'],
    batchDeleteCandidates: false,
    order: 'newest-first',
  },
};
