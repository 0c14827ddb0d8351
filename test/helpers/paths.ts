import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The real, public CloudTrail records shipped beside the repository. */
export const REAL_DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets', 'cloudtrail-real');
