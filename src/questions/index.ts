import type { ObjectQuestionName } from '../commands/requests.js';
import { history } from './history.js';
import type { ObjectQuestion } from './object-question.js';
import { whoDeleted } from './who-deleted.js';
import { whoRead } from './who-read.js';
import { whoWrote } from './who-wrote.js';

export const OBJECT_QUESTION_TABLE: Record<ObjectQuestionName, ObjectQuestion> = {
  'who-deleted': whoDeleted,
  'who-wrote': whoWrote,
  'who-read': whoRead,
  history,
};
