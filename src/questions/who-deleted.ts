import type { ObjectQuestion } from './object-question.js';

/**
 * DeleteObject names its key; RenameObject with the key as its source moves it away (directory
 * buckets rename atomically, with no DeleteObject record). DeleteObjects records list no keys (AWS's own example has
 * `"delete": ""`), so batch deletes in scope are candidates, never proof. Directory buckets have
 * no versioning: a delete is final.
 */
export const whoDeleted: ObjectQuestion = {
  name: 'who-deleted',
  verb: 'deleted',
  spec: {
    eventNames: ['DeleteObject', 'DeleteObjects'],
    sourceEventNames: ['RenameObject'],
    batchDeleteCandidates: true,
    order: 'newest-first',
  },
};
