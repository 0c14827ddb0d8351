import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The real, public CloudTrail records shipped beside the repository. */
export const REAL_DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets', 'cloudtrail-real');
/** `npm run screenshots` updates the ones the README shows; a plain test run writes to the ignored `.screenshots/`. */
export const SCREENSHOTS_DIR =
  process.env.S3X_UPDATE_SCREENSHOTS === '1' ? path.join(REPO_ROOT, 'docs', 'screenshots') : path.join(REPO_ROOT, '.screenshots');
