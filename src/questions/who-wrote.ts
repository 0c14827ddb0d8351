import type { ObjectQuestion } from './object-question.js';

/** Every call that leaves new content at the key. For CopyObject and RenameObject the key is the destination. */
export const whoWrote: ObjectQuestion = {
  name: 'who-wrote',
  verb: 'wrote',
  spec: {
    eventNames: ['PutObject', 'CopyObject', 'CompleteMultipartUpload', 'RenameObject'],
    batchDeleteCandidates: false,
    order: 'newest-first',
  },
};
