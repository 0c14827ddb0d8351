import type { ObjectQuestion } from './object-question.js';

/**
 * DeleteObject names its key. DeleteObjects records list no keys (AWS's own example has
 * `"delete": ""`), so batch deletes in scope are candidates, never proof. Directory buckets have
 * no versioning: a delete is final.
 */
export const whoDeleted: ObjectQuestion = {
  name: 'who-deleted',
  verb: 'deleted',
  spec: { eventNames: ['DeleteObject', 'DeleteObjects'], batchDeleteCandidates: true, order: 'newest-first' },
};
