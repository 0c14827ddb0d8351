import type { ObjectQuestion } from './object-question.js';

/** Every event whose record names the key, and renames and copies with the key as source, oldest first. */
export const history: ObjectQuestion = {
  name: 'history',
  verb: 'touched',
  spec: {
    sourceEventNames: ['RenameObject', 'CopyObject', 'UploadPartCopy'],
    batchDeleteCandidates: false,
    order: 'oldest-first',
  },
};
